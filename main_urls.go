//go:build !(darwin && cgo)

package main

// installURLHandler: outside macOS a clicked link arrives as the command
// line of `latchkey open LINK` (the desktop file's Exec, the Windows
// registry's command), which hands it to the running app through the
// single-instance channel; there is no event to register for.
func installURLHandler(func(link string)) {}
