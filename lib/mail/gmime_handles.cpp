#include "mail/gmime_handles.hpp"

#include <mutex>

namespace ferry::mail::detail {

void ensure_gmime_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_mime_init();
    // g_mime_init registers GMime's types but their classes are created lazily, by whichever
    // thread first makes an instance. GLib does that under its own lock, but creating them
    // here, once, keeps every parse on read-only type data (and ThreadSanitizer quiet).
    // The class references are kept for the life of the process.
    const GType types[] = {GMIME_TYPE_PARSER,
                           GMIME_TYPE_MESSAGE,
                           GMIME_TYPE_PART,
                           GMIME_TYPE_TEXT_PART,
                           GMIME_TYPE_MULTIPART,
                           GMIME_TYPE_MULTIPART_SIGNED,
                           GMIME_TYPE_MULTIPART_ENCRYPTED,
                           GMIME_TYPE_MESSAGE_PART,
                           GMIME_TYPE_MESSAGE_PARTIAL,
                           GMIME_TYPE_APPLICATION_PKCS7_MIME,
                           GMIME_TYPE_STREAM_MEM,
                           GMIME_TYPE_STREAM_FILTER,
                           GMIME_TYPE_STREAM_NULL,
                           GMIME_TYPE_DATA_WRAPPER,
                           GMIME_TYPE_CONTENT_TYPE,
                           GMIME_TYPE_CONTENT_DISPOSITION,
                           GMIME_TYPE_HEADER_LIST,
                           GMIME_TYPE_PARAM_LIST,
                           GMIME_TYPE_FILTER_BASIC,
                           GMIME_TYPE_FILTER_CHARSET,
                           GMIME_TYPE_FILTER_DOS2UNIX,
                           GMIME_TYPE_FILTER_UNIX2DOS,
                           INTERNET_ADDRESS_LIST_TYPE,
                           INTERNET_ADDRESS_TYPE_MAILBOX,
                           INTERNET_ADDRESS_TYPE_GROUP};
    for (const GType t : types) {
      if (G_TYPE_IS_CLASSED(t)) g_type_class_ref(t);
    }
  });
}

}  // namespace ferry::mail::detail
