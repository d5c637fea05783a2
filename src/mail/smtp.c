/*
 * Delivery by SMTP, through libcurl: it speaks SMTP, STARTTLS, SMTPS and
 * the usual AUTH mechanisms, verifies certificates, and escapes lines
 * that start with a dot, so we hand it a formatted message and check
 * the outcome.
 *
 * Security decisions: only smtp:// and smtps:// URLs are followed (a
 * mistyped setting cannot make us read a file:// URL); with a user name,
 * TLS is required (CURLUSESSL_ALL) so a password never crosses the wire
 * in clear; without one, STARTTLS is used when the server offers it.
 * The password is handed to libcurl and never appears in any message we
 * produce. Errors are libcurl's short descriptions, which carry no
 * secrets and no message content.
 */
#include "mail.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

/* curl_global_init is not safe to race with itself, and it stays for
 * the life of the process. */
static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct upload {
	const char	*data;
	size_t		 len;
	size_t		 pos;
};

static size_t
read_message(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct upload *u = userdata;
	size_t room = size * nmemb;
	size_t n = u->len - u->pos;
	if (n > room)
		n = room;
	memcpy(ptr, u->data + u->pos, n);
	u->pos += n;
	return n;
}

/* libcurl asks about once a second, even while waiting on the server;
 * non-zero aborts the transfer. */
static int
check_cancel(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	const struct mail_cancel *cancel = clientp;
	return cancel->stop(cancel->arg) ? 1 : 0;
}

int
mail_smtp_deliver(const struct mail_config *cfg, const char *from_addr,
    const char *to, const char *msg, size_t len,
    const struct mail_cancel *cancel, struct err *e)
{
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return err_internal(e, "smtp: libcurl failed to initialise: %s",
		    curl_easy_strerror(curl_init_rc));
	const char *url = cfg->smtp_url;
	bool has_user = cfg->smtp_user && *cfg->smtp_user;
	/* The URL may hold credentials itself (smtp://user:pass@host), so it
	 * is never put into an error message. */
	if (url == NULL || (strncasecmp(url, "smtp://", 7) != 0 && strncasecmp(url, "smtps://", 8) != 0))
		return err_internal(e, "smtp: IMAGO_SMTP_URL must start with smtp:// or smtps://");

	CURL *curl = curl_easy_init();
	if (curl == NULL)
		return err_internal(e, "smtp: cannot create a libcurl handle");
	char from_path[MAIL_ADDRESS_MAX + 3], to_path[MAIL_ADDRESS_MAX + 3];
	snprintf(from_path, sizeof(from_path), "<%s>", from_addr);
	snprintf(to_path, sizeof(to_path), "<%s>", to);
	struct curl_slist *rcpt = curl_slist_append(NULL, to_path);
	struct upload up = { msg, len, 0 };
	int rc = -1;
	if (rcpt == NULL) {
		err_internal(e, "smtp: out of memory");
		goto out;
	}

	CURLcode set = CURLE_OK;
#define SET(opt, val) do { if (set == CURLE_OK) set = curl_easy_setopt(curl, opt, val); } while (0)
	SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	SET(CURLOPT_MAIL_FROM, from_path);
	SET(CURLOPT_MAIL_RCPT, rcpt);
	SET(CURLOPT_READFUNCTION, read_message);
	SET(CURLOPT_READDATA, &up);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	if (has_user) {
		SET(CURLOPT_USERNAME, cfg->smtp_user);
		SET(CURLOPT_PASSWORD, cfg->smtp_password ? cfg->smtp_password : "");
	}
	SET(CURLOPT_USE_SSL, (long)(has_user ? CURLUSESSL_ALL : CURLUSESSL_TRY));
	SET(CURLOPT_CONNECTTIMEOUT, 10L);
	SET(CURLOPT_TIMEOUT, 60L);
	/* Threads and signals: timeouts must not use SIGALRM. */
	SET(CURLOPT_NOSIGNAL, 1L);
	if (cancel && cancel->stop) {
		SET(CURLOPT_XFERINFOFUNCTION, check_cancel);
		SET(CURLOPT_XFERINFODATA, (void *)cancel);
		SET(CURLOPT_NOPROGRESS, 0L);
	}
#undef SET
	if (set != CURLE_OK) {
		err_internal(e, "smtp: %s", curl_easy_strerror(set));
		goto out;
	}

	CURLcode res = curl_easy_perform(curl);
	if (res != CURLE_OK) {
		long code = 0;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
		if (code > 0)
			err_set(e, 502, "smtp_failed", NULL, "smtp: %s (server said %ld)",
			    curl_easy_strerror(res), code);
		else
			err_set(e, 502, "smtp_failed", NULL, "smtp: %s",
			    curl_easy_strerror(res));
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
	return rc;
}
