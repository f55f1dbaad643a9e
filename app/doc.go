// Package app holds Latchkey's use-cases, shared by the desktop UI and the
// CLI: opening and managing the vault, adding accounts, generating codes,
// importing and exporting, scanning QR images, checking the clock, backup
// codes and recovery. Its sub-packages each own one capability; app itself
// never imports Fyne.
package app
