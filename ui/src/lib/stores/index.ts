// The window's one set of stores. Views import these; tests build their own from the classes.

import { AppStore } from "./app.svelte";
import { LibraryHealthStore } from "./health.svelte";
import { BudgetStore } from "./budget.svelte";
import { BatchStore } from "./batch.svelte";
import { CompareStore } from "./compare.svelte";
import { CreateStore } from "./create.svelte";
import { GalleryStore } from "./gallery.svelte";
import { GroupsStore } from "./groups.svelte";
import { JobsStore } from "./jobs.svelte";
import { LibraryMoveStore } from "./library.svelte";
import { PosterStore } from "./posters.svelte";
import { SpendStore } from "./spend.svelte";
import { ToastStore } from "./toasts.svelte";
import { UiStore } from "./ui.svelte";

export const app = new AppStore();
export const jobs = new JobsStore();
export const ui = new UiStore();
export const create = new CreateStore(app, jobs, ui);
export const toasts = new ToastStore();
export const posters = new PosterStore(toasts);
export const gallery = new GalleryStore(toasts);
export const spend = new SpendStore();
export const groups = new GroupsStore();
export const budget = new BudgetStore();
export const batch = new BatchStore(app, create, groups, ui);
export const compare = new CompareStore(app, create, groups, jobs, ui);
export const libraryMove = new LibraryMoveStore(app, jobs, gallery);
export const health = new LibraryHealthStore(toasts, ui);
export const stores = { app, jobs, ui, create, gallery, spend, groups, budget, batch, health };

export { AppStore, BatchStore, BudgetStore, CompareStore, CreateStore, GalleryStore, GroupsStore, JobsStore, LibraryHealthStore, LibraryMoveStore, PosterStore, SpendStore, ToastStore, UiStore };
export type { Stores } from "./session";
