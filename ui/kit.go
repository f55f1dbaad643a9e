package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/ui/kit"
)

// The window's short names for the building blocks it shares with the
// admin console, which are in ui/kit.

const portalBudget = kit.PortalBudget

type formLayout = kit.FormLayout

func wrapped(text string) *widget.Label          { return kit.Wrapped(text) }
func errorLabel() *widget.Label                  { return kit.ErrorLabel() }
func setError(l *widget.Label, msg string)       { kit.SetError(l, msg) }
func setNote(l *widget.Label, msg string)        { kit.SetNote(l, msg) }
func errorSentence(err error) string             { return kit.ErrorSentence(err) }
func sentenceOf(s string) string                 { return kit.SentenceOf(s) }
func portalHost(portalURL string) string         { return kit.PortalHost(portalURL) }
func phraseText(phrase string) fyne.CanvasObject { return kit.PhraseText(phrase) }
