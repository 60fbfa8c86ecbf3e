/* terrapage/version.h — the library version (the on-disk format has its own version,
 * see terrapage/pagefile.h and formats/FORMAT.md). */
#ifndef TERRAPAGE_VERSION_H
#define TERRAPAGE_VERSION_H

#include "terrapage/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TP_VERSION_MAJOR 0
#define TP_VERSION_MINOR 1
#define TP_VERSION_PATCH 0
#define TP_VERSION_NUMBER (TP_VERSION_MAJOR * 10000 + TP_VERSION_MINOR * 100 + TP_VERSION_PATCH)
#define TP__STR2(x) #x
#define TP__STR(x) TP__STR2(x)
#define TP_VERSION_STRING \
    TP__STR(TP_VERSION_MAJOR) "." TP__STR(TP_VERSION_MINOR) "." TP__STR(TP_VERSION_PATCH)

/*! tp_version_number() : @return TP_VERSION_NUMBER of the linked library. */
TP_API unsigned tp_version_number(void);
/*! tp_version_string() : @return "MAJOR.MINOR.PATCH" of the linked library. */
TP_API const char *tp_version_string(void);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_VERSION_H */
