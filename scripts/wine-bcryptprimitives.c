/*
 * A stand-in for Windows' bcryptprimitives.dll for scripts/wine-check.sh
 * only; never shipped. Go 1.24 and later load it at start for ProcessPrng
 * (the runtime's and crypto/rand's randomness); Windows 8 and later have it,
 * Debian 12's Wine 8.0 does not, so every Go program dies there with
 * "fatal error: bcryptprimitives.dll not found". This one fills the buffer
 * from RtlGenRandom (advapi32's SystemFunction036), which Wine implements.
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll wine-bcryptprimitives.c
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
