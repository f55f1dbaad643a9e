// Package backupcodes owns an account's backup codes and recovery code:
// reading the block a portal shows (Parse), and the one-time life of each
// code (Add, Replace, Use, Undo, Discard). Operations are pure functions of
// a vault.Account that return the changed copy, so the UI and CLI run them
// inside vault.Update and a failure changes nothing.
//
// Codes are secrets: no error of this package contains one. Errors name a
// code by its position in the paste or say "the code given".
package backupcodes
