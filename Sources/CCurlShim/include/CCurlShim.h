// Typed stand-ins for libcurl's variadic curl_easy_setopt and
// curl_easy_getinfo, which Swift cannot call directly. Each passes its
// argument through with the type libcurl documents for that option class.
#ifndef PANDA_CCURL_SHIM_H
#define PANDA_CCURL_SHIM_H

#include <curl/curl.h>

/// Options documented as taking a long (CURLOPT_TIMEOUT, CURLOPT_VERBOSE, ...).
CURLcode panda_curl_setopt_long(CURL *handle, CURLoption option, long value);
/// Options documented as taking a char * (CURLOPT_URL, CURLOPT_CAPATH, ...).
CURLcode panda_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
/// Options documented as taking a void * or a struct pointer (CURLOPT_WRITEDATA, CURLOPT_HTTPHEADER, ...).
CURLcode panda_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
/// Options documented as taking a curl_off_t (CURLOPT_INFILESIZE_LARGE, ...).
CURLcode panda_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
/// CURLOPT_WRITEFUNCTION / CURLOPT_READFUNCTION / CURLOPT_HEADERFUNCTION callbacks.
typedef size_t (*panda_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
CURLcode panda_curl_setopt_callback(CURL *handle, CURLoption option, panda_curl_data_callback callback);
/// CURLOPT_XFERINFOFUNCTION (with CURLOPT_NOPROGRESS 0): called about once a
/// second even when no byte moves; a non-zero return aborts the transfer.
typedef int (*panda_curl_progress_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
CURLcode panda_curl_setopt_progress(CURL *handle, panda_curl_progress_callback callback, void *userdata);

/// CURLINFO_* values of type long (CURLINFO_RESPONSE_CODE, ...).
CURLcode panda_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
/// CURLINFO_* values of type curl_off_t (CURLINFO_SIZE_DOWNLOAD_T, ...).
CURLcode panda_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);

#endif
