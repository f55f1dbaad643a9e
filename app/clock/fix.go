package clock

// FixSteps tells how to set the clock right on an operating system (a
// runtime.GOOS value). Unknown systems get the general advice.
func FixSteps(goos string) []string {
	switch goos {
	case "windows":
		return []string{
			"Open Settings → Time & language → Date & time.",
			"Turn on \"Set time automatically\" and \"Set time zone automatically\".",
			"Click \"Sync now\" under Additional settings.",
			"At work, the domain may set the time: ask IT if it stays wrong.",
		}
	case "darwin":
		return []string{
			"Open System Settings → General → Date & Time.",
			"Turn on \"Set time and date automatically\" (source: time.apple.com).",
			"Turn on \"Set time zone automatically using your current location\", or pick the right zone.",
		}
	case "linux", "freebsd", "openbsd", "netbsd":
		return []string{
			"In a terminal run: timedatectl set-ntp true",
			"Check with: timedatectl status (\"System clock synchronized: yes\").",
			"Without systemd, enable chrony or ntpd, or run once: sudo chronyc makestep",
			"If the time zone is wrong: timedatectl set-timezone Region/City",
		}
	}
	return []string{
		"Open the system's date and time settings.",
		"Turn on automatic time (network time) and pick the right time zone.",
	}
}
