// Generated from src-tauri/src/studio/command_table.rs by `cargo test` (studio::ipc). Do not
// edit: change the table or the argument structs in Rust. One function per command; the
// argument names and types are Rust's, so a misspelt one does not compile.

import { call } from "../call";
import type { AppState } from "./AppState";
import type { Budget } from "./Budget";
import type { CancelOutcome } from "./CancelOutcome";
import type { DeleteTicket } from "./DeleteTicket";
import type { FavouriteArgs } from "./FavouriteArgs";
import type { GalleryDetails } from "./GalleryDetails";
import type { GalleryPage } from "./GalleryPage";
import type { GalleryQueryArgs } from "./GalleryQueryArgs";
import type { GenerateArgs } from "./GenerateArgs";
import type { GroupMakeArgs } from "./GroupMakeArgs";
import type { GroupView } from "./GroupView";
import type { IdArgs } from "./IdArgs";
import type { ImageBytesArgs } from "./ImageBytesArgs";
import type { ImagePathArgs } from "./ImagePathArgs";
import type { Job } from "./Job";
import type { KeyArgs } from "./KeyArgs";
import type { KeyStatus } from "./KeyStatus";
import type { LibraryHealth } from "./LibraryHealth";
import type { LibraryMoveArgs } from "./LibraryMoveArgs";
import type { LibraryRelinkArgs } from "./LibraryRelinkArgs";
import type { LibraryTrouble } from "./LibraryTrouble";
import type { MarkArgs } from "./MarkArgs";
import type { ModelInfo } from "./ModelInfo";
import type { MoveReport } from "./MoveReport";
import type { NoArgs } from "./NoArgs";
import type { PromptRow } from "./PromptRow";
import type { PromptsFile } from "./PromptsFile";
import type { PromptsParseArgs } from "./PromptsParseArgs";
import type { RecoveryReport } from "./RecoveryReport";
import type { Relinked } from "./Relinked";
import type { Restored } from "./Restored";
import type { Settings } from "./Settings";
import type { SettingsSaveArgs } from "./SettingsSaveArgs";
import type { Spend } from "./Spend";
import type { SpendArgs } from "./SpendArgs";
import type { StartImage } from "./StartImage";
import type { ThumbArgs } from "./ThumbArgs";

/** Every command the core answers, in the table's order. */
export const COMMANDS = [
  "app_state",
  "key_set",
  "key_use_session",
  "key_delete",
  "settings_save",
  "image_pick",
  "image_from_path",
  "image_from_bytes",
  "image_from_clipboard",
  "generate",
  "job_again",
  "job_settings",
  "job_remove",
  "reveal_clip",
  "refresh_catalog",
  "gallery_query",
  "gallery_details",
  "favourite_set",
  "clip_delete",
  "clip_undo_delete",
  "clip_save_copy",
  "clip_locate",
  "clip_forget",
  "thumb_put",
  "spend_summary",
  "library_pick_folder",
  "library_move",
  "group_make",
  "group_list",
  "group_get",
  "group_pause",
  "group_resume",
  "group_cancel",
  "mark_set",
  "budget_get",
  "images_pick_many",
  "prompts_parse",
  "prompts_pick",
  "ui_ready",
  "library_trouble",
  "library_recover",
  "library_health",
  "library_relink",
  "app_restart",
] as const;

export type CommandName = (typeof COMMANDS)[number];

/** Each command's argument struct and answer, for code that stands in for the core (tests, the dev mock). */
export interface Commands {
  app_state: { args: NoArgs; answer: AppState };
  key_set: { args: KeyArgs; answer: KeyStatus };
  key_use_session: { args: KeyArgs; answer: KeyStatus };
  key_delete: { args: NoArgs; answer: KeyStatus };
  settings_save: { args: SettingsSaveArgs; answer: Settings };
  image_pick: { args: NoArgs; answer: StartImage | null };
  image_from_path: { args: ImagePathArgs; answer: StartImage };
  image_from_bytes: { args: ImageBytesArgs; answer: StartImage };
  image_from_clipboard: { args: NoArgs; answer: StartImage | null };
  generate: { args: GenerateArgs; answer: Array<Job> };
  job_again: { args: IdArgs; answer: Job };
  job_settings: { args: IdArgs; answer: Restored };
  job_remove: { args: IdArgs; answer: null };
  reveal_clip: { args: IdArgs; answer: null };
  refresh_catalog: { args: NoArgs; answer: Array<ModelInfo> };
  gallery_query: { args: GalleryQueryArgs; answer: GalleryPage };
  gallery_details: { args: IdArgs; answer: GalleryDetails };
  favourite_set: { args: FavouriteArgs; answer: null };
  clip_delete: { args: IdArgs; answer: DeleteTicket };
  clip_undo_delete: { args: IdArgs; answer: null };
  clip_save_copy: { args: IdArgs; answer: string | null };
  clip_locate: { args: IdArgs; answer: boolean };
  clip_forget: { args: IdArgs; answer: null };
  thumb_put: { args: ThumbArgs; answer: null };
  spend_summary: { args: SpendArgs; answer: Spend };
  library_pick_folder: { args: NoArgs; answer: string | null };
  library_move: { args: LibraryMoveArgs; answer: MoveReport };
  group_make: { args: GroupMakeArgs; answer: GroupView };
  group_list: { args: NoArgs; answer: Array<GroupView> };
  group_get: { args: IdArgs; answer: GroupView };
  group_pause: { args: IdArgs; answer: GroupView };
  group_resume: { args: IdArgs; answer: GroupView };
  group_cancel: { args: IdArgs; answer: CancelOutcome };
  mark_set: { args: MarkArgs; answer: Job };
  budget_get: { args: NoArgs; answer: Budget };
  images_pick_many: { args: NoArgs; answer: Array<string> };
  prompts_parse: { args: PromptsParseArgs; answer: Array<PromptRow> };
  prompts_pick: { args: NoArgs; answer: PromptsFile | null };
  ui_ready: { args: NoArgs; answer: null };
  library_trouble: { args: NoArgs; answer: LibraryTrouble | null };
  library_recover: { args: NoArgs; answer: RecoveryReport };
  library_health: { args: NoArgs; answer: LibraryHealth };
  library_relink: { args: LibraryRelinkArgs; answer: Relinked };
  app_restart: { args: NoArgs; answer: null };
}

export const appState = (): Promise<AppState> => call("app_state", {});
export const keySet = (args: KeyArgs): Promise<KeyStatus> => call("key_set", args);
export const keyUseSession = (args: KeyArgs): Promise<KeyStatus> => call("key_use_session", args);
export const keyDelete = (): Promise<KeyStatus> => call("key_delete", {});
export const settingsSave = (args: SettingsSaveArgs): Promise<Settings> => call("settings_save", args);
export const imagePick = (): Promise<StartImage | null> => call("image_pick", {});
export const imageFromPath = (args: ImagePathArgs): Promise<StartImage> => call("image_from_path", args);
export const imageFromBytes = (args: ImageBytesArgs): Promise<StartImage> => call("image_from_bytes", args);
export const imageFromClipboard = (): Promise<StartImage | null> => call("image_from_clipboard", {});
export const generate = (args: GenerateArgs): Promise<Array<Job>> => call("generate", args);
export const jobAgain = (args: IdArgs): Promise<Job> => call("job_again", args);
export const jobSettings = (args: IdArgs): Promise<Restored> => call("job_settings", args);
export const jobRemove = (args: IdArgs): Promise<null> => call("job_remove", args);
export const revealClip = (args: IdArgs): Promise<null> => call("reveal_clip", args);
export const refreshCatalog = (): Promise<Array<ModelInfo>> => call("refresh_catalog", {});
export const galleryQuery = (args: GalleryQueryArgs): Promise<GalleryPage> => call("gallery_query", args);
export const galleryDetails = (args: IdArgs): Promise<GalleryDetails> => call("gallery_details", args);
export const favouriteSet = (args: FavouriteArgs): Promise<null> => call("favourite_set", args);
export const clipDelete = (args: IdArgs): Promise<DeleteTicket> => call("clip_delete", args);
export const clipUndoDelete = (args: IdArgs): Promise<null> => call("clip_undo_delete", args);
export const clipSaveCopy = (args: IdArgs): Promise<string | null> => call("clip_save_copy", args);
export const clipLocate = (args: IdArgs): Promise<boolean> => call("clip_locate", args);
export const clipForget = (args: IdArgs): Promise<null> => call("clip_forget", args);
export const thumbPut = (args: ThumbArgs): Promise<null> => call("thumb_put", args);
export const spendSummary = (args: SpendArgs): Promise<Spend> => call("spend_summary", args);
export const libraryPickFolder = (): Promise<string | null> => call("library_pick_folder", {});
export const libraryMove = (args: LibraryMoveArgs): Promise<MoveReport> => call("library_move", args);
export const groupMake = (args: GroupMakeArgs): Promise<GroupView> => call("group_make", args);
export const groupList = (): Promise<Array<GroupView>> => call("group_list", {});
export const groupGet = (args: IdArgs): Promise<GroupView> => call("group_get", args);
export const groupPause = (args: IdArgs): Promise<GroupView> => call("group_pause", args);
export const groupResume = (args: IdArgs): Promise<GroupView> => call("group_resume", args);
export const groupCancel = (args: IdArgs): Promise<CancelOutcome> => call("group_cancel", args);
export const markSet = (args: MarkArgs): Promise<Job> => call("mark_set", args);
export const budgetGet = (): Promise<Budget> => call("budget_get", {});
export const imagesPickMany = (): Promise<Array<string>> => call("images_pick_many", {});
export const promptsParse = (args: PromptsParseArgs): Promise<Array<PromptRow>> => call("prompts_parse", args);
export const promptsPick = (): Promise<PromptsFile | null> => call("prompts_pick", {});
export const uiReady = (): Promise<null> => call("ui_ready", {});
export const libraryTrouble = (): Promise<LibraryTrouble | null> => call("library_trouble", {});
export const libraryRecover = (): Promise<RecoveryReport> => call("library_recover", {});
export const libraryHealth = (): Promise<LibraryHealth> => call("library_health", {});
export const libraryRelink = (args: LibraryRelinkArgs): Promise<Relinked> => call("library_relink", args);
export const appRestart = (): Promise<null> => call("app_restart", {});
