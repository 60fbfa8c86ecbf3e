/* terrapage/export.h — symbol visibility for the terrapage libraries. */
#ifndef TERRAPAGE_EXPORT_H
#define TERRAPAGE_EXPORT_H

/* Libraries build with hidden visibility; only TP_API symbols are exported. */
#if defined(_WIN32)
#  if defined(TP_BUILDING_LIBRARY)
#    define TP_API __declspec(dllexport)
#  else
#    define TP_API
#  endif
#elif defined(__GNUC__)
#  define TP_API __attribute__((visibility("default")))
#else
#  define TP_API
#endif

#endif /* TERRAPAGE_EXPORT_H */
