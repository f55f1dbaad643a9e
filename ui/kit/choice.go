package kit

// Choice is one option of a select: its label and the value it stands
// for.
type Choice[V comparable] struct {
	Label string
	Value V
}

// ChoiceLabels are the labels of cs, for widget.NewSelect.
func ChoiceLabels[V comparable](cs []Choice[V]) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Label
	}
	return out
}

// ChoiceValue is the value of the choice labelled label, or V's zero
// value.
func ChoiceValue[V comparable](cs []Choice[V], label string) V {
	for _, c := range cs {
		if c.Label == label {
			return c.Value
		}
	}
	var zero V
	return zero
}
