//! The library's files on temp folders, as a user would notice them: deleting with undo and then
//! to the system trash, clips gone missing (scan, locate, forget), posters, and moving the library
//! folder (all of it, some of it, or failing halfway without losing a file).
//!
//! The trash follows the freedesktop spec under `$XDG_DATA_HOME/Trash`; environment variables are
//! process-wide, so this binary points it at a temp folder once, before any test touches a file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kyma_studio::api::{Catalog, Micros};
use kyma_studio::jobs::store::NewGeneration;
use kyma_studio::jobs::{Engine, EngineConfig, ImageKind, Paths, Status, Store};
use kyma_studio::library::{Library, MoveMode};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// The private data home holding this process's trash.
fn data_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = tempfile::Builder::new().prefix("kyma-trash-test-").tempdir().unwrap().keep();
        std::env::set_var("XDG_DATA_HOME", &dir);
        dir
    })
}

const UNDO: Duration = Duration::from_secs(8);

struct World {
    dir: tempfile::TempDir,
    lib: Library,
    /// A second connection, as the engine has, to write records the way the engine does.
    store: Store,
}

fn world() -> World {
    data_home();
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let store = Store::open(&Paths::new(dir.path()).db).unwrap();
    World { dir, lib, store }
}

/// A structurally whole MP4 (ftyp, moov, mdat) whose media bytes carry `tag`.
fn mp4(tag: &str) -> Vec<u8> {
    let bx = |kind: &[u8; 4], body: &[u8]| {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    };
    [bx(b"ftyp", b"isom\0\0\x02\0isomiso2"), bx(b"moov", &[7; 64]), bx(b"mdat", tag.repeat(300).as_bytes())].concat()
}

fn jpeg(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::from_fn(w, h, |x, y| image::Rgb([shade, (x % 256) as u8, (y % 256) as u8]))
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl World {
    fn new_generation(&self, tag: &str, image: bool) -> i64 {
        let paths = self.lib.paths();
        let image_file = image.then(|| format!("start-{tag}.jpg"));
        if let Some(f) = &image_file {
            fs::create_dir_all(&paths.start_images).unwrap();
            fs::write(paths.start_images.join(f), jpeg(640, 360, (tag.len() * 40 % 256) as u8)).unwrap();
        }
        let new = NewGeneration {
            model: "kling-3-pro".into(),
            prompt: format!("a lighthouse at dusk, take {tag}"),
            duration_s: 5,
            image_kind: if image { ImageKind::File } else { ImageKind::None },
            image_source: image.then(|| "photo.jpg".into()),
            image_file,
            image_url: None,
            image_size: image.then_some((640, 360)),
            extra_json: None,
            hold: Micros(756_000),
            has_audio: false,
            media_dir: paths.row_media_dir(),
            shot: Default::default(),
        };
        let id = self.store.insert(&new, &format!("key-{tag}")).unwrap();
        self.store.mark_submitted(id, &format!("v-{tag}"), None).unwrap();
        id
    }

    /// A succeeded generation with its clip (and start image) really on disk.
    fn clip(&self, tag: &str, image: bool) -> i64 {
        let id = self.new_generation(tag, image);
        self.store.mark_downloading(id, Some(Micros(756_000)), None).unwrap();
        let file = format!("clip-{tag}.mp4");
        let bytes = mp4(tag);
        let clips = self.lib.paths().clips;
        fs::create_dir_all(&clips).unwrap();
        fs::write(clips.join(&file), &bytes).unwrap();
        self.store.mark_succeeded(id, &file, bytes.len() as u64, None).unwrap();
        id
    }

    fn failed(&self, tag: &str) -> i64 {
        let id = self.new_generation(tag, false);
        self.store.mark_settled_without_clip(id, Status::Failed, Micros(756_000), "failed", "no", None).unwrap();
        id
    }

    fn clip_path(&self, id: i64) -> PathBuf {
        let g = self.lib.get(id).unwrap();
        self.lib.clip_path(&g).unwrap()
    }

    fn image_path(&self, id: i64) -> PathBuf {
        let g = self.lib.get(id).unwrap();
        self.lib.paths().start_image_path(&g).unwrap()
    }

    fn removed(&self, id: i64) -> Option<String> {
        self.lib.get(id).unwrap().removed
    }
}

/// Every file under the given folders, by name, with its SHA-256; `.part` files included.
fn files_under(roots: &[&Path]) -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                assert!(out.insert(name, sha(&fs::read(&p).unwrap())).is_none(), "{} is there twice", p.display());
            }
        }
    }
    let mut out = BTreeMap::new();
    for r in roots {
        for sub in ["clips", "start-images"] {
            walk(&r.join(sub), &mut out);
        }
    }
    out
}

#[test]
fn delete_then_undo_puts_the_same_clip_back() {
    let w = world();
    let id = w.clip("undo", false);
    let clip = w.clip_path(id);
    let before = fs::read(&clip).unwrap();
    let ticket = w.lib.delete(id, UNDO).unwrap();
    assert_eq!(ticket.id, id);
    assert!(!clip.exists(), "the clip leaves clips/ at once");
    assert_eq!(w.removed(id).as_deref(), Some("deleting"));
    w.lib.undo_delete(id).unwrap();
    assert_eq!(fs::read(&clip).unwrap(), before);
    assert_eq!(w.removed(id), None);
    assert!(fs::read_dir(w.dir.path().join(".deleting")).unwrap().next().is_none());
}

#[test]
fn finished_deletes_land_in_the_system_trash_and_cannot_be_undone() {
    let w = world();
    let id = w.clip("trash-me", false);
    let clip = w.clip_path(id);
    let bytes = fs::read(&clip).unwrap();
    let keep = w.clip("still-in-window", false);
    let fail = w.failed("failed-record");
    w.lib.delete(id, UNDO).unwrap();
    w.lib.delete(fail, UNDO).unwrap();
    assert_eq!(w.lib.finish_deletes(Duration::from_secs(3600)).unwrap(), 0, "nothing is an hour old");
    w.lib.delete(keep, UNDO).unwrap();
    w.store
        .conn()
        .execute("UPDATE generations SET removed_at = '2020-01-01T00:00:00Z' WHERE id IN (?1, ?2)", [id, fail])
        .unwrap();
    assert_eq!(w.lib.finish_deletes(Duration::from_secs(60)).unwrap(), 2);

    let trashed = data_home().join("Trash/files/clip-trash-me.mp4");
    assert_eq!(fs::read(&trashed).unwrap(), bytes, "the clip is whole in the trash");
    let info = fs::read_to_string(data_home().join("Trash/info/clip-trash-me.mp4.trashinfo")).unwrap();
    assert!(info.contains("[Trash Info]") && info.contains("clip-trash-me.mp4"), "{info}");
    assert!(info.contains("/clips/clip-trash-me.mp4"), "restoring puts it back in clips/: {info}");
    assert!(!clip.exists());
    assert_eq!(w.removed(id).as_deref(), Some("trashed"));
    assert_eq!(w.removed(fail).as_deref(), Some("trashed"));
    assert_eq!(w.lib.undo_delete(id).unwrap_err().kind(), "undo_expired");
    assert_eq!(w.removed(keep).as_deref(), Some("deleting"), "a fresh deletion waits out its window");
    w.lib.undo_delete(keep).unwrap();
    assert!(w.clip_path(keep).is_file());
    // The records stay: the money they cost is history.
    assert_eq!(w.lib.get(id).unwrap().charged, Some(Micros(756_000)));
}

#[test]
fn a_crash_inside_the_undo_window_is_finished_at_the_next_start() {
    let w = world();
    let id = w.clip("crash", false);
    let bytes = fs::read(w.clip_path(id)).unwrap();
    w.lib.delete(id, UNDO).unwrap();
    let World { dir, lib, store } = w;
    drop((lib, store));
    let lib = Library::open(dir.path()).unwrap();
    assert_eq!(lib.finish_deletes(Duration::ZERO).unwrap(), 1);
    assert_eq!(fs::read(data_home().join("Trash/files/clip-crash.mp4")).unwrap(), bytes);
    assert_eq!(lib.get(id).unwrap().removed.as_deref(), Some("trashed"));
}

#[test]
fn running_jobs_cannot_be_deleted() {
    let w = world();
    let id = w.new_generation("running", false);
    assert_eq!(w.lib.delete(id, UNDO).unwrap_err().kind(), "still_running");
    assert_eq!(w.removed(id), None);
}

#[test]
fn missing_clips_are_found_located_and_forgotten() {
    let w = world();
    let id = w.clip("gone", false);
    let other = w.clip("stays", false);
    let clip = w.clip_path(id);
    let held = w.dir.path().join("held.mp4");
    fs::rename(&clip, &held).unwrap();
    assert_eq!(w.lib.scan_missing().unwrap(), vec![id]);
    assert!(w.lib.get(id).unwrap().clip_missing);
    assert!(!w.lib.get(other).unwrap().clip_missing);
    fs::rename(&held, &clip).unwrap();
    assert_eq!(w.lib.scan_missing().unwrap(), vec![id], "it came back");
    assert!(!w.lib.get(id).unwrap().clip_missing);

    fs::remove_file(&clip).unwrap();
    w.lib.scan_missing().unwrap();
    let not_a_clip = w.dir.path().join("notes.mp4");
    fs::write(&not_a_clip, b"these are my notes, not a video").unwrap();
    assert_eq!(w.lib.locate(id, &not_a_clip).unwrap_err().kind(), "not_a_clip");
    assert!(!clip.exists());
    let real = real_mp4(w.dir.path());
    w.lib.locate(id, &real).unwrap();
    assert_eq!(fs::read(&clip).unwrap(), fs::read(&real).unwrap());
    assert!(real.is_file(), "the user's file stays where it was");
    let g = w.lib.get(id).unwrap();
    assert!(!g.clip_missing);
    assert_eq!(g.clip_bytes, Some(fs::metadata(&real).unwrap().len()));
    assert_eq!(w.lib.locate(id, &real).unwrap_err().kind(), "not_missing");

    let fail = w.failed("forget-me");
    assert_eq!(w.lib.locate(fail, &real).unwrap_err().kind(), "no_clip");
    w.lib.forget(fail).unwrap();
    let g = w.lib.get(fail).unwrap();
    assert_eq!(g.removed.as_deref(), Some("forgotten"));
    assert_eq!(g.refunded, Some(Micros(756_000)), "the record stays");
}

/// A real one-second clip made by ffmpeg.
fn real_mp4(dir: &Path) -> PathBuf {
    let out = dir.join("found-it.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=64x64:rate=10",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(&out)
        .status()
        .expect("ffmpeg is needed for this test");
    assert!(status.success());
    out
}

#[test]
fn save_copy_writes_the_same_bytes() {
    let w = world();
    let id = w.clip("copy", false);
    let dest = w.dir.path().join("my copy.mp4");
    let n = w.lib.save_copy(id, &dest).unwrap();
    assert_eq!(fs::read(&dest).unwrap(), fs::read(w.clip_path(id)).unwrap());
    assert_eq!(n, fs::metadata(&dest).unwrap().len());
    assert_eq!(w.lib.save_copy(w.failed("nothing"), &dest).unwrap_err().kind(), "no_clip");
}

#[test]
fn posters_are_kept_remade_or_left_to_the_webview() {
    let w = world();
    let i2v = w.clip("poster-i2v", true);
    let t2v = w.clip("poster-t2v", false);
    let made = w.lib.thumb(i2v).unwrap().expect("made from the start image");
    let poster = fs::read(&made).unwrap();
    let img = image::load_from_memory_with_format(&poster, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((img.width(), img.height()), (320, 180));
    assert_eq!(w.lib.thumb(i2v).unwrap(), Some(made.clone()), "a whole poster is kept");
    assert_eq!(fs::read(&made).unwrap(), poster);
    fs::write(&made, &poster[..poster.len() / 2]).unwrap();
    assert_eq!(w.lib.thumb(i2v).unwrap(), Some(made.clone()));
    assert_eq!(fs::read(&made).unwrap(), poster, "a truncated poster is remade");

    assert_eq!(w.lib.thumb(t2v).unwrap(), None);
    let drawn = jpeg(320, 180, 9);
    w.lib.put_thumb(t2v, &drawn).unwrap();
    assert_eq!(fs::read(w.lib.thumb(t2v).unwrap().unwrap()).unwrap(), drawn);
    fs::write(w.lib.paths().thumb_path(t2v), &drawn[..drawn.len() - 2]).unwrap();
    assert_eq!(w.lib.thumb(t2v).unwrap(), None, "a broken poster without a start image is dropped");
    assert!(!w.lib.paths().thumb_path(t2v).exists());

    let mut png = Vec::new();
    image::RgbImage::new(64, 64).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    for bad in [png, vec![0x5A; 4096], jpeg(2000, 100, 1), vec![0xFF; 3 * 1024 * 1024]] {
        assert_eq!(w.lib.put_thumb(t2v, &bad).unwrap_err().kind(), "bad_thumbnail");
    }
}

#[test]
fn moving_the_library_moves_every_file_intact() {
    let w = world();
    let ids = [w.clip("m1", true), w.clip("m2", false), w.clip("m3", true)];
    let missing = w.clip("m4", true);
    fs::remove_file(w.clip_path(missing)).unwrap();
    w.lib.scan_missing().unwrap();
    let failed = w.failed("m5");
    let before = files_under(&[w.dir.path()]);
    assert_eq!(before.len(), 6, "three clips and three start images");

    let new = tempfile::tempdir().unwrap();
    let target = new.path().join("Kyma Library");
    let mut seen = Vec::new();
    let report = w.lib.move_library(&target, MoveMode::Move, &mut |d, t| seen.push((d, t))).unwrap();
    assert_eq!(report.error, None);
    assert_eq!((report.moved, report.left), (4, 0));
    assert_eq!(report.new_dir, target.display().to_string());
    assert_eq!(seen.first(), Some(&(0, 4)));
    assert_eq!(seen.last(), Some(&(4, 4)));

    assert_eq!(files_under(&[&target]), before, "every file arrived, byte for byte");
    assert!(files_under(&[w.dir.path()]).is_empty(), "the old folder holds no clips or start images");
    let total: u64 = before
        .keys()
        .map(|n| {
            let sub = if n.ends_with(".mp4") { "clips" } else { "start-images" };
            fs::metadata(target.join(sub).join(n)).unwrap().len()
        })
        .sum();
    assert_eq!(report.bytes_moved, total);
    for id in ids.into_iter().chain([missing]) {
        let g = w.lib.get(id).unwrap();
        assert_eq!(g.media_dir.as_deref(), target.to_str());
        assert!(w.clip_path(id).starts_with(&target));
    }
    assert!(w.lib.get(missing).unwrap().clip_missing, "a missing clip stays missing");
    assert!(w.image_path(missing).is_file(), "its start image moved");
    assert_eq!(w.lib.get(failed).unwrap().media_dir, None, "a record without files stays as it was");

    assert_eq!(w.lib.paths().library, target);
    let again = Library::open(w.dir.path()).unwrap();
    assert_eq!(again.paths(), Paths::with_library(w.dir.path(), &target));
    // New clips go to the new folder.
    let fresh = w.clip("m6", false);
    assert!(w.clip_path(fresh).starts_with(&target));
}

#[test]
fn leaving_clips_behind_keeps_them_playable() {
    let w = world();
    let old = w.clip("l1", true);
    let old_clip = w.clip_path(old);
    let new = tempfile::tempdir().unwrap();
    let report = w.lib.move_library(new.path(), MoveMode::Leave, &mut |_, _| panic!("nothing to move")).unwrap();
    assert_eq!((report.moved, report.left, report.error), (0, 1, None));
    assert_eq!(w.lib.paths(), Paths::with_library(w.dir.path(), new.path()));
    let g = w.lib.get(old).unwrap();
    assert_eq!(g.media_dir, None, "NULL still means the data folder");
    assert_eq!(w.lib.clip_path(&g).unwrap(), old_clip);
    assert!(old_clip.is_file() && w.image_path(old).is_file());
    let fresh = w.clip("l2", false);
    assert!(w.clip_path(fresh).starts_with(new.path()));
}

#[test]
fn a_move_failing_halfway_loses_nothing() {
    let w = world();
    let ids = [w.clip("h1", true), w.clip("h2", true), w.clip("h3", true)];
    let new = tempfile::tempdir().unwrap();
    let before = files_under(&[w.dir.path(), new.path()]);
    let mut n = 0;
    let report = w
        .lib
        .move_library_with_hook(new.path(), MoveMode::Move, &mut |_, _| {}, &mut |_| {
            n += 1;
            if n == 3 {
                Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device"))
            } else {
                Ok(())
            }
        })
        .unwrap();
    let error = report.error.clone().expect("the move stopped");
    // The new folder's disk, said so, with what did not fit.
    let clips = new.path().join("clips");
    assert!(error.starts_with(&format!("The disk holding {} is full: ", clips.display())), "{error}");
    assert!(error.ends_with("the move stopped here, and every clip is whole in one folder or the other."), "{error}");
    assert_eq!((report.moved, report.left), (1, 2));
    assert_eq!(files_under(&[w.dir.path(), new.path()]), before, "no file lost, none half written");
    assert!(!before.keys().any(|k| k.ends_with(".part")));
    assert_eq!(w.lib.get(ids[0]).unwrap().media_dir.as_deref(), new.path().to_str());
    for (id, tag) in ids.into_iter().zip(["h1", "h2", "h3"]).skip(1) {
        assert_eq!(w.lib.get(id).unwrap().media_dir, None, "still in the old folder");
        assert_eq!(fs::read(w.clip_path(id)).unwrap(), mp4(tag), "and playable there");
        assert!(w.image_path(id).is_file());
    }
    // The new folder is the library folder now; running the move again finishes the job.
    assert_eq!(w.lib.paths().library, new.path());
    let report = w.lib.move_library(new.path(), MoveMode::Move, &mut |_, _| {}).unwrap();
    assert_eq!((report.moved, report.left, report.error), (2, 0, None));
    assert_eq!(files_under(&[new.path()]), before);
}

#[test]
fn moves_are_refused_while_unsafe() {
    let w = world();
    let done = w.clip("r1", false);
    let running = w.new_generation("r2", false);
    let other = tempfile::tempdir().unwrap();
    let refused = |dir: &Path| w.lib.move_library(dir, MoveMode::Move, &mut |_, _| {}).unwrap_err();
    let e = refused(other.path());
    assert_eq!(e.kind(), "move_refused");
    assert!(e.to_string().contains("1 generation is still being made"), "{e}");
    w.store.mark_settled_without_clip(running, Status::Failed, Micros(0), "failed", "no", None).unwrap();
    assert!(refused(Path::new("Videos/Kyma")).to_string().contains("not a full path"));
    assert!(refused(&w.dir.path().join("clips/inside")).to_string().contains("inside the library's clips folder"));
    let a_file = other.path().join("a-file");
    fs::write(&a_file, b"x").unwrap();
    assert!(refused(&a_file.join("sub")).to_string().contains("cannot be created"));
    w.lib.delete(done, UNDO).unwrap();
    assert!(refused(other.path()).to_string().contains("can still be restored"));
    assert_eq!(w.lib.paths(), Paths::new(w.dir.path()), "nothing changed");
}

#[tokio::test]
async fn the_engine_follows_the_library_folder() {
    let w = world();
    let new = tempfile::tempdir().unwrap();
    w.lib.move_library(new.path(), MoveMode::Leave, &mut |_, _| {}).unwrap();
    let engine = Engine::start_with(EngineConfig::new(w.dir.path().to_path_buf()), None, Catalog::default()).unwrap();
    assert_eq!(engine.paths(), Paths::with_library(w.dir.path(), new.path()), "the engine reads the same record");
    assert!(new.path().join("clips").is_dir());
    let later = tempfile::tempdir().unwrap();
    engine.set_paths(Paths::with_library(w.dir.path(), later.path()));
    assert_eq!(engine.paths().library, later.path());
    assert_eq!(engine.paths().row_media_dir().as_deref(), later.path().to_str());
}
