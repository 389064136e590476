// The window's one set of stores. Views import these; tests build their own from the classes.

import { AppStore } from "./app.svelte";
import { CreateStore } from "./create.svelte";
import { JobsStore } from "./jobs.svelte";
import { UiStore } from "./ui.svelte";

export const app = new AppStore();
export const jobs = new JobsStore();
export const ui = new UiStore();
export const create = new CreateStore(app, jobs, ui);
export const stores = { app, jobs, ui, create };

export { AppStore, CreateStore, JobsStore, UiStore };
export type { Stores } from "./session";
