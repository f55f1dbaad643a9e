//go:build darwin && cgo

package main

// macOS does not pass a clicked otpauth:// or latchkey:// link on the
// command line: LaunchServices starts (or activates) the app and sends it
// a kAEGetURL Apple event. Fyne (2.7, fyne-io/fyne#5812) has no hook for
// it, so the app registers its own handler with NSAppleEventManager before
// the run loop starts; the event is then dispatched by the run loop Fyne's
// GLFW driver runs. Info.plist declares the schemes (packaging/macos).
//
// Not compiled on the Linux build machine: make dist-macos on a Mac is
// the first build of this file (see README, "Packages").

/*
#cgo CFLAGS: -x objective-c -fobjc-arc
#cgo LDFLAGS: -framework Cocoa
#import <Cocoa/Cocoa.h>

extern void latchkeyOpenURL(char *url);

@interface LatchkeyURLHandler : NSObject
- (void)handleGetURLEvent:(NSAppleEventDescriptor *)event withReplyEvent:(NSAppleEventDescriptor *)reply;
@end

@implementation LatchkeyURLHandler
- (void)handleGetURLEvent:(NSAppleEventDescriptor *)event withReplyEvent:(NSAppleEventDescriptor *)reply {
	NSString *url = [[event paramDescriptorForKeyword:keyDirectObject] stringValue];
	if (url != nil) {
		latchkeyOpenURL((char *)[url UTF8String]);
	}
}
@end

static LatchkeyURLHandler *latchkeyHandler;

static void latchkeyInstallURLHandler(void) {
	latchkeyHandler = [[LatchkeyURLHandler alloc] init];
	[[NSAppleEventManager sharedAppleEventManager]
		setEventHandler:latchkeyHandler
		    andSelector:@selector(handleGetURLEvent:withReplyEvent:)
		  forEventClass:kInternetEventClass
		     andEventID:kAEGetURL];
}
*/
import "C"

import "sync"

var (
	urlMu      sync.Mutex
	urlHandler func(string)
)

//export latchkeyOpenURL
func latchkeyOpenURL(url *C.char) {
	link := C.GoString(url)
	urlMu.Lock()
	open := urlHandler
	urlMu.Unlock()
	if open != nil {
		open(link)
	}
}

// installURLHandler makes open receive every link macOS sends the app.
// open runs on the main thread (the Apple event's), so it must not block.
func installURLHandler(open func(link string)) {
	urlMu.Lock()
	urlHandler = open
	urlMu.Unlock()
	C.latchkeyInstallURLHandler()
}
