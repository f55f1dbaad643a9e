//go:build !race

package qrscan

const raceEnabled = false
