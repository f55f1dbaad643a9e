// Package locale repairs the process locale before Fyne reads it. Fyne's
// lang package parses LC_ALL / LC_MESSAGES / LANG in its init and logs an
// error on every start (CLI commands included) when they hold "C" or
// "POSIX", which are no language tags. Imported first by main, this
// package's init runs before Fyne's: Go initializes packages in import-path
// order once their dependencies are ready, and it has none but os, while
// Fyne's lang waits for golang.org/x/text.
package locale

import (
	"os"
	"strings"
)

func init() { Repair(os.Getenv, os.Setenv) }

// Repair replaces locale variables that are no language tag with
// en_US.UTF-8; other values are left alone.
func Repair(getenv func(string) string, setenv func(string, string) error) {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(k)
		base, _, _ := strings.Cut(v, ".")
		if base == "C" || base == "POSIX" {
			setenv(k, "en_US.UTF-8")
		}
	}
}
