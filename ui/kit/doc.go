// Package kit has the building blocks that the main window (package ui)
// and the admin console (ui/admin) share, so that both look and speak
// alike: word-wrapped and one-sentence status labels (labels.go), the
// two-column layout of read-only facts (layout.go), a verification phrase
// shown large to be read out (phrase.go), the options of a select
// (choice.go), and the portal as people see it: how long one action may
// take, its host in titles, and its errors in one sentence (portal.go).
// It holds no state and starts no work.
package kit
