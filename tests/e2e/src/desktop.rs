//! What a window manager sees and does, for the tests WebDriver cannot express: whether the
//! app's window is mapped (shown) on the X server, and asking it to close the way the title
//! bar's close button does (`WM_DELETE_WINDOW`, which GTK turns into a close request). Runs
//! against the test's own display (`xvfb-run`), which has no window manager, so the app's
//! top-level windows are children of the root window.

use std::ffi::{CStr, CString};
use std::os::raw::{c_int, c_long, c_uchar, c_uint, c_ulong};
use std::ptr;

use x11::xlib;

/// An X window id.
pub type Window = c_ulong;

/// A connection to the display in `DISPLAY`, closed on drop.
struct Display(*mut xlib::Display);

impl Display {
    fn open() -> Display {
        // A window that vanishes between two calls (the app exiting) must fail the call, not
        // end the test process through Xlib's default handler.
        // SAFETY: installing a handler is process-wide and has no preconditions.
        unsafe { xlib::XSetErrorHandler(Some(ignore_x_error)) };
        // SAFETY: a null name means the DISPLAY variable; the result is checked.
        let display = unsafe { xlib::XOpenDisplay(ptr::null()) };
        assert!(
            !display.is_null(),
            "the e2e tests need an X display (run them under xvfb-run, as make test-e2e does)"
        );
        Display(display)
    }

    fn atom(&self, name: &str) -> xlib::Atom {
        let name = CString::new(name).expect("atom names have no NUL");
        // SAFETY: a live display and a NUL-terminated name.
        unsafe { xlib::XInternAtom(self.0, name.as_ptr(), xlib::False) }
    }

    fn top_levels(&self) -> Vec<Window> {
        let (mut root, mut parent) = (0, 0);
        let mut children: *mut Window = ptr::null_mut();
        let mut count: c_uint = 0;
        // SAFETY: a live display; out-pointers to locals; Xlib allocates `children`.
        let ok = unsafe {
            xlib::XQueryTree(
                self.0,
                xlib::XDefaultRootWindow(self.0),
                &mut root,
                &mut parent,
                &mut children,
                &mut count,
            )
        };
        if ok == 0 || children.is_null() {
            return Vec::new();
        }
        // SAFETY: Xlib returned `count` windows at `children`, freed right after the copy.
        let list = unsafe { std::slice::from_raw_parts(children, count as usize) }.to_vec();
        unsafe { xlib::XFree(children.cast()) };
        list
    }

    fn pid_of(&self, window: Window) -> Option<u32> {
        let (mut kind, mut format, mut items, mut after) = (0, 0 as c_int, 0, 0);
        let mut data: *mut c_uchar = ptr::null_mut();
        // SAFETY: a live display; out-pointers to locals; Xlib allocates `data`.
        let status = unsafe {
            xlib::XGetWindowProperty(
                self.0,
                window,
                self.atom("_NET_WM_PID"),
                0,
                1,
                xlib::False,
                xlib::XA_CARDINAL,
                &mut kind,
                &mut format,
                &mut items,
                &mut after,
                &mut data,
            )
        };
        if data.is_null() {
            return None;
        }
        // Format 32 properties come back as C longs, whatever their size.
        // SAFETY: checked non-null; read only when one 32-bit item came back; freed once.
        let pid = (status == 0 && format == 32 && items == 1)
            .then(|| unsafe { *(data as *const c_ulong) } as u32);
        unsafe { xlib::XFree(data.cast()) };
        pid
    }

    fn name_of(&self, window: Window) -> Option<String> {
        let mut name = ptr::null_mut();
        // SAFETY: a live display; Xlib allocates the name, freed after the copy.
        let ok = unsafe { xlib::XFetchName(self.0, window, &mut name) };
        if ok == 0 || name.is_null() {
            return None;
        }
        let text = unsafe { CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned();
        unsafe { xlib::XFree(name.cast()) };
        Some(text)
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        // SAFETY: opened in `open`, closed once.
        unsafe { xlib::XCloseDisplay(self.0) };
    }
}

unsafe extern "C" fn ignore_x_error(_: *mut xlib::Display, _: *mut xlib::XErrorEvent) -> c_int {
    0
}

/// The top-level window of process `pid` titled `title`, if it exists.
pub fn window_of(pid: u32, title: &str) -> Option<Window> {
    let display = Display::open();
    display
        .top_levels()
        .into_iter()
        .find(|&w| display.pid_of(w) == Some(pid) && display.name_of(w).as_deref() == Some(title))
}

/// Whether the window is mapped and viewable: what the user sees as shown.
pub fn is_shown(window: Window) -> bool {
    let display = Display::open();
    // SAFETY: XWindowAttributes is plain data; Xlib fills it and reports failure by 0.
    let mut attributes: xlib::XWindowAttributes = unsafe { std::mem::zeroed() };
    let ok = unsafe { xlib::XGetWindowAttributes(display.0, window, &mut attributes) };
    ok != 0 && attributes.map_state == xlib::IsViewable
}

/// Asks the window to close, as a window manager does for the title bar's close button:
/// a `WM_PROTOCOLS` client message carrying `WM_DELETE_WINDOW`.
pub fn request_close(window: Window) {
    let display = Display::open();
    let mut data = xlib::ClientMessageData::new();
    data.set_long(0, display.atom("WM_DELETE_WINDOW") as c_long);
    data.set_long(1, xlib::CurrentTime as c_long);
    let mut event = xlib::XEvent {
        client_message: xlib::XClientMessageEvent {
            type_: xlib::ClientMessage,
            serial: 0,
            send_event: xlib::True,
            display: display.0,
            window,
            message_type: display.atom("WM_PROTOCOLS"),
            format: 32,
            data,
        },
    };
    // SAFETY: a live display and a fully initialised client message.
    let sent = unsafe {
        let sent = xlib::XSendEvent(
            display.0,
            window,
            xlib::False,
            xlib::NoEventMask,
            &mut event,
        );
        xlib::XSync(display.0, xlib::False);
        sent
    };
    assert_ne!(sent, 0, "the X server must accept the close request");
}
