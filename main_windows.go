//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// Release builds are GUI-subsystem programs (-ldflags -H=windowsgui), so
// Windows starts them without a console and, run from cmd.exe or
// PowerShell, `latchkey --version` or `latchkey code acme` would print
// nowhere. With arguments, attach to the parent's console, if it has one,
// and send standard output and error there, unless the caller redirected
// them (`latchkey list > out.txt` and pipes keep working). Started by
// Explorer, a link handler or at login there is no parent console and
// nothing changes. Standard input is left alone: cmd.exe goes on reading the
// console after starting a GUI program, so prompts would fight it; commands
// that need a passphrase take --passphrase-file. cmd.exe also does not wait
// for a GUI program: its prompt may appear before the output
// (`start /wait latchkey …` waits).
func init() {
	if len(os.Args) < 2 {
		return
	}
	const attachParentProcess = ^uint32(0) // ATTACH_PARENT_PROCESS
	attach := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if attach.Find() != nil {
		return
	}
	if ok, _, _ := attach.Call(uintptr(attachParentProcess)); ok == 0 {
		return // no parent console, or this process already has one
	}
	useConsole(windows.STD_OUTPUT_HANDLE, &os.Stdout, "/dev/stdout")
	useConsole(windows.STD_ERROR_HANDLE, &os.Stderr, "/dev/stderr")
}

// useConsole points one standard handle at the attached console when it
// is not already a file, pipe or console.
func useConsole(std uint32, f **os.File, name string) {
	if h, err := windows.GetStdHandle(std); err == nil && h != 0 && h != windows.InvalidHandle {
		if t, err := windows.GetFileType(h); err == nil && t != windows.FILE_TYPE_UNKNOWN {
			return // redirected by the caller
		}
	}
	conout, err := windows.UTF16PtrFromString("CONOUT$")
	if err != nil {
		return
	}
	h, err := windows.CreateFile(conout, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		return
	}
	_ = windows.SetStdHandle(std, h)
	*f = os.NewFile(uintptr(h), name)
}
