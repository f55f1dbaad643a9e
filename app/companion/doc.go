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
//	queued ──Flush──▶ sent ──Poll──▶ approved ──Poll──▶ link_delivered ──CompleteRecovery──▶ (none)
//	   │                │  └──Poll──▶ denied / expired / forwarded / completed
//	   │                └── past ExpiresAt: shown as expired
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
// Poll asks the portal (GET /v1/recovery-requests/status) and records its
// answer; the first answer after an admin approved carries the one-time
// link, which is saved in the vault at once, since the portal hands it out
// only once. CompleteRecovery redeems the link, enrols a new authenticator
// and puts it in place of the lost one: see its comment for the order that
// keeps the vault working whatever step fails.
//
// The poll token, the link, the enrolment session and the pending secret
// are secrets kept only in the vault: nothing here prints them, and
// vault.RecoveryRequest's String redacts them.
//
// # Admin sessions
//
// SignIn signs an account's portal user in with a password and a code
// computed from the account, and keeps the session in the vault on that
// account's binding (one per portal) until it expires; Admin carries out
// the admin API's calls with it, and SignOut ends it.
package companion
