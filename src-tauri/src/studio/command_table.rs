// The IPC contract's one command table: every command the webview may call, the struct its
// arguments arrive in, and what it answers. Everything else is made from this list or checked
// against it: `lib.rs` registers exactly these handlers, `build.rs` (which `include!`s this file)
// declares exactly these permissions, `studio::ipc` generates the UI's typed wrappers
// (`ui/src/lib/ipc/bindings/commands.ts`), and its tests hold the capability file, the security
// test and `commands/` to it. Adding a command means one line here, one function in `commands/`.
//
// A command called with no arguments is listed with `NoArgs`; its function takes none.

macro_rules! for_each_command {
    ($then:ident) => {
        $then! {
            app_state(NoArgs) -> AppState,
            key_set(KeyArgs) -> KeyStatus,
            key_use_session(KeyArgs) -> KeyStatus,
            key_delete(NoArgs) -> KeyStatus,
            settings_save(SettingsSaveArgs) -> Settings,
            image_pick(NoArgs) -> Option<StartImage>,
            image_from_path(ImagePathArgs) -> StartImage,
            image_from_bytes(ImageBytesArgs) -> StartImage,
            image_from_clipboard(NoArgs) -> Option<StartImage>,
            generate(GenerateArgs) -> Vec<Job>,
            job_again(IdArgs) -> Job,
            job_settings(IdArgs) -> Restored,
            job_remove(IdArgs) -> (),
            reveal_clip(IdArgs) -> (),
            refresh_catalog(NoArgs) -> Vec<ModelInfo>,
            gallery_query(GalleryQueryArgs) -> GalleryPage,
            gallery_details(IdArgs) -> GalleryDetails,
            favourite_set(FavouriteArgs) -> (),
            clip_delete(IdArgs) -> DeleteTicket,
            clip_undo_delete(IdArgs) -> (),
            clip_save_copy(IdArgs) -> Option<String>,
            clip_locate(IdArgs) -> bool,
            clip_forget(IdArgs) -> (),
            thumb_put(ThumbArgs) -> (),
            spend_summary(SpendArgs) -> Spend,
            library_pick_folder(NoArgs) -> Option<String>,
            library_move(LibraryMoveArgs) -> MoveReport,
            group_make(GroupMakeArgs) -> GroupView,
            group_list(NoArgs) -> Vec<GroupView>,
            group_get(IdArgs) -> GroupView,
            group_pause(IdArgs) -> GroupView,
            group_resume(IdArgs) -> GroupView,
            group_cancel(IdArgs) -> CancelOutcome,
            mark_set(MarkArgs) -> Job,
            budget_get(NoArgs) -> Budget,
            images_pick_many(NoArgs) -> Vec<String>,
            prompts_parse(PromptsParseArgs) -> Vec<PromptRow>,
            prompts_pick(NoArgs) -> Option<PromptsFile>,
            ui_ready(NoArgs) -> (),
            library_trouble(NoArgs) -> Option<LibraryTrouble>,
            library_recover(NoArgs) -> RecoveryReport,
            library_health(NoArgs) -> LibraryHealth,
            library_relink(LibraryRelinkArgs) -> Relinked,
            app_restart(NoArgs) -> (),
        }
    };
}
