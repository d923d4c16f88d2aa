#ifndef DROPBOLT_CINOTIFYTOOLS_SHIM_H
#define DROPBOLT_CINOTIFYTOOLS_SHIM_H

#include <inotifytools/inotify.h>
#include <inotifytools/inotifytools.h>

/// `inotify_event.name` is a flexible array member that Swift cannot see; this returns it (or "" when len == 0).
static inline const char *dropbolt_inotify_event_name(const struct inotify_event *event) {
    return event->len > 0 ? event->name : "";
}

#endif
