// Package breakglass owns the printable break-glass sheet: a PDF that
// lists, per account, the issuer and account name, the unused backup codes
// (with a box to tick off), the recovery code, the steps to regain access,
// and, only when asked for, the QR code to enrol the account again on
// another device. The sheet is as secret as the vault: callers write it
// with mode 0600 and tell the user so.
package breakglass
