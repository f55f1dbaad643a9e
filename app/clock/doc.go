// Package clock owns Latchkey's clock check: measuring how far the system
// clock is from true time (against a portal, NTP servers, or the Date header
// of HTTPS hosts), judging that offset against the accounts' TOTP period,
// explaining it in plain words with per-OS steps to fix it, noticing when the
// wall clock jumps (sleep, resume, manual change) so the check can run again,
// and the opt-in corrected time codes may be generated from.
//
// Offsets follow NTP's convention: Offset is what must be added to the
// system clock to get true time, so a negative offset means the system clock
// is fast.
//
// Nothing here imports Fyne or blocks a caller without a context: the UI runs
// Check off its goroutine and drives a Monitor from its own ticker; the CLI
// calls Check once.
package clock
