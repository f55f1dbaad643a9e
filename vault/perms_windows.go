//go:build windows

package vault

import "io/fs"

// repairMode does nothing on Windows: access there is decided by ACLs,
// which the user profile's folders already restrict to the user, and Go's
// modes only mirror the read-only attribute.
func repairMode(string, fs.FileMode, bool) (PermRepair, bool) { return PermRepair{}, false }
