"""A drag source for the window tests: a small GTK 3 window that offers the files named on the
command line as text/uri-list over XDND, as a file manager does. It prints READY once it is on
screen and ENDED when a drag finishes (then quits); os-drop moves the pointer with xdotool.

Linux/X11 only (the window tests run under Xvfb). Run by /usr/bin/python3, which has Debian's
python3-gi and gir1.2-gtk-3.0.
"""

import sys
from pathlib import Path

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

# Where the source sits on the screen; os-drop starts its drag inside this rectangle.
X, Y, WIDTH, HEIGHT = 1050, 650, 200, 100


def main() -> None:
    uris = [Path(name).resolve().as_uri() for name in sys.argv[1:]]
    if not uris:
        sys.exit("usage: drag_source.py FILE...")

    window = Gtk.Window(title="kyma-e2e drag source")
    window.set_decorated(False)
    window.set_default_size(WIDTH, HEIGHT)
    window.move(X, Y)
    label = Gtk.EventBox()
    label.add(Gtk.Label(label=f"{len(uris)} file(s)"))
    window.add(label)

    label.drag_source_set(
        Gdk.ModifierType.BUTTON1_MASK,
        [Gtk.TargetEntry.new("text/uri-list", 0, 0)],
        Gdk.DragAction.COPY,
    )
    label.connect("drag-data-get", lambda _w, _ctx, data, _info, _time: data.set_uris(uris))

    def ended(*_args) -> None:
        print("ENDED", flush=True)
        GLib.timeout_add(200, Gtk.main_quit)

    label.connect("drag-end", ended)
    window.connect("destroy", Gtk.main_quit)
    window.show_all()
    # Mapped and painted: the pointer may start the drag now.
    GLib.timeout_add(300, lambda: print("READY", flush=True) and False)
    # A drag that never ends must not leave the test hanging.
    GLib.timeout_add_seconds(30, Gtk.main_quit)
    Gtk.main()


if __name__ == "__main__":
    main()
