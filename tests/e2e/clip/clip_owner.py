"""A clipboard owner for the window tests: takes the CLIPBOARD selection and offers several
targets at once, each with the bytes of a file, as a browser or an office app does when it
copies (text/plain and image/png side by side). xclip offers one target only.

    DISPLAY=:N python3 clip_owner.py TARGET=FILE [TARGET=FILE...]

Prints READY once it owns the selection, and serves it until another program takes the
clipboard (then it prints LOST and quits) or it is killed. text/plain is also offered as
UTF8_STRING, the name X programs ask text by. Linux/X11 only: /usr/bin/python3 with Debian's
python3-gi and gir1.2-gtk-3.0 (as tests/e2e/drop/drag_source.py).
"""

import sys
from pathlib import Path

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402


def main() -> None:
    offers: dict[str, bytes] = {}
    for arg in sys.argv[1:]:
        target, _, name = arg.partition("=")
        if not target or not name:
            sys.exit("usage: clip_owner.py TARGET=FILE [TARGET=FILE...]")
        offers[target] = Path(name).read_bytes()
    if "text/plain" in offers:
        offers.setdefault("UTF8_STRING", offers["text/plain"])
        offers.setdefault("text/plain;charset=utf-8", offers["text/plain"])
    if not offers:
        sys.exit("usage: clip_owner.py TARGET=FILE [TARGET=FILE...]")

    # An unmapped window is enough to own a selection.
    owner = Gtk.Invisible()
    clipboard = Gdk.Atom.intern("CLIPBOARD", False)
    for i, target in enumerate(offers):
        Gtk.selection_add_target(owner, clipboard, Gdk.Atom.intern(target, False), i)

    def serve(_widget, data, _info, _time) -> None:
        target = data.get_target().name()
        if target in offers:
            data.set(data.get_target(), 8, offers[target])

    def lost(*_args) -> bool:
        print("LOST", flush=True)
        GLib.idle_add(Gtk.main_quit)
        return True

    owner.connect("selection-get", serve)
    owner.connect("selection-clear-event", lost)
    if not Gtk.selection_owner_set(owner, clipboard, Gdk.CURRENT_TIME):
        sys.exit("clip_owner: could not take the clipboard")
    print("READY " + " ".join(offers), flush=True)
    Gtk.main()


if __name__ == "__main__":
    main()
