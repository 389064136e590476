// What the app knows about itself: the key's status (never the key), settings, the model
// catalog, demo mode. Filled from `app_state` and updated by the commands that change it.

import type { AppError, AppState, KeyStatus, ModelInfo, Settings } from "../ipc";
import { DEFAULT_SETTINGS } from "../ipc/bindings/constants";

const NO_KEY: KeyStatus = { state: "none", masked: null, keychain_available: true, keychain_message: null };


export class AppStore {
  loaded = $state(false);
  loadError = $state<AppError | null>(null);
  key = $state<KeyStatus>(NO_KEY);
  settings = $state<Settings>(DEFAULT_SETTINGS);
  models = $state<ModelInfo[]>([]);
  demo = $state(false);
  version = $state("");

  load(s: AppState) {
    this.key = s.key;
    this.settings = s.settings;
    this.models = s.models;
    this.demo = s.demo;
    this.version = s.version;
    this.loadError = null;
    this.loaded = true;
  }

  model(id: string): ModelInfo | undefined {
    return this.models.find((m) => m.id === id);
  }

  modelName(id: string): string {
    return this.model(id)?.name ?? id;
  }
}
