package clock

import "time"

// Corrected is the time codes are generated for. While the user has opted
// in to corrected time and a measurement exists, it is the system time
// plus the measured offset; the second result says whether the correction
// is in use, which the UI must then show.
func Corrected(system time.Time, m Measurement, useCorrected bool) (time.Time, bool) {
	if !useCorrected || !m.Verified {
		return system, false
	}
	return system.Add(m.Offset), true
}

// KeepCorrected applies the rule that ends corrected time: once a check
// finds the system clock within the ok threshold again, the user has fixed
// it, and the setting switches itself off. An unverified check changes
// nothing: being offline says nothing about the clock.
func KeepCorrected(useCorrected bool, r Result) bool {
	if !useCorrected {
		return false
	}
	return r.Status != StatusOK
}
