// Package companion owns the desktop app's side of a team portal: binding
// accounts to their portal (from the enrolment QR's otpauth link, from a
// latchkey://link the portal's page offers, or by hand), the remembered
// decision to trust a portal's self-signed or privately issued certificate
// (a pin per origin, kept in the vault's settings), the portal as the
// preferred clock source of its accounts, and recovery requests: sent at
// once, or queued in the vault while the portal cannot be reached and sent
// later with backoff.
//
// It is UI-free, so the Fyne UI and the CLI share it. Every function that
// talks to a portal takes a context, runs on the caller's goroutine (never
// call it on the UI's), and is bounded by the portal client's timeouts and
// retries (package sync).
//
// # Recovery requests
//
// An account holds at most one request (vault.Portal.Recovery):
//
//	queued ──Flush──▶ sent ──(Poll, later)──▶ approved / link received
//	   │                 └── past ExpiresAt: shown as expired
//	   └──portal refuses (4xx)──▶ failed
//
// RequestRecovery sends at once; when the portal cannot be reached (no
// route, refused connection, timeout, 429, 5xx) the request is stored as
// queued, and Flush (or RunQueue, in the desktop app) sends it when it falls
// due: 30 s after the first failure, doubling to at most 30 minutes. Since
// POST /v1/recovery-requests is not idempotent, a request whose first
// attempt timed out or met a 5xx may reach the admins twice; the admins'
// queue shows both, and only the phrase the user reads out counts. A 4xx
// is the portal refusing the request: it is reported, never retried.
//
// The poll token is a secret kept only in the vault: nothing here prints
// it, and vault.RecoveryRequest's String redacts it. The step that polls
// the portal (GET /v1/recovery-requests/status) slots in beside Flush: it
// walks Outstanding's sent requests and records the portal's answer.
package companion
