/*
 * What a message looks like on the wire, and what may go into one.
 *
 * Every header value we write comes from a user (the recipient, a subject
 * built from their input) or from the operator (the From address), so
 * the checks here are the defence against header injection: an address
 * is letters, digits and RFC 5322 atext around one '@', and a subject has
 * no control characters at all. The checks run when a message is queued
 * and again before it is sent, since a row can be written by hand.
 *
 * The format is deliberately plain: one text/plain UTF-8 part, encoded
 * quoted-printable so that every line is short 7-bit text that any
 * relay, mailbox format or reader takes unchanged, and a subject that is
 * an RFC 2047 encoded-word when it is not plain ASCII. A message with an
 * attachment (a calendar invitation) is multipart/mixed: that same text
 * part, then the attachment in base64. An attachment's type and file
 * name are headers too, so they are held to a strict token grammar.
 */
#include "mail.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../util/mem.h"
#include "../util/text.h"

/* RFC 5322 atext, plus '.' (we check dots separately). */
static bool
is_local_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static bool
is_domain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

int
mail_check_address(const char *addr, struct err *e)
{
	if (addr == NULL || *addr == '\0')
		return err_invalid(e, "to", "an email address is required");
	size_t n = strlen(addr);
	if (n > MAIL_ADDRESS_MAX)
		return err_invalid(e, "to", "the email address is longer than %d bytes",
		    MAIL_ADDRESS_MAX);
	const char *at = strchr(addr, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return err_invalid(e, "to", "an email address has exactly one '@'");
	size_t local_len = (size_t)(at - addr);
	const char *domain = at + 1;
	/* Quoted local parts and address literals are legal but never
	 * needed by a real person, and they are where injection hides. */
	if (local_len == 0 || local_len > 64 || addr[0] == '.' || at[-1] == '.')
		return err_invalid(e, "to", "the part before '@' is not a valid mailbox name");
	for (size_t i = 0; i < local_len; i++)
		if (!is_local_char((unsigned char)addr[i]) ||
		    (addr[i] == '.' && addr[i + 1] == '.'))
			return err_invalid(e, "to", "the email address has a character "
			    "that is not allowed before '@'");
	/* The domain: dot-separated labels of letters, digits and inner
	 * hyphens (IDNs arrive here in their xn-- form). */
	size_t label = 0;
	for (const char *p = domain;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > 63 || p[-1] == '-')
				return err_invalid(e, "to", "the part after '@' is not a valid domain");
			if (*p == '\0')
				break;
			label = 0;
		} else if (is_domain_char((unsigned char)*p)) {
			if (label == 0 && *p == '-')
				return err_invalid(e, "to", "the part after '@' is not a valid domain");
			label++;
		} else
			return err_invalid(e, "to", "the email address has a character "
			    "that is not allowed after '@'");
	}
	return 0;
}

/* True when s has a C1 control (U+0080..U+009F) or a Unicode line or
 * paragraph separator: no C0 byte, but still a line break to some
 * readers. s is valid UTF-8. */
static bool
has_unicode_breaks(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return true;
		if (i + 2 < n && p[i] == 0xe2 && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
			return true;
	}
	return false;
}

int
mail_check_subject(const char *subject, struct err *e)
{
	if (subject == NULL)
		return err_invalid(e, "subject", "a subject is required");
	size_t n = strlen(subject);
	if (n > MAIL_SUBJECT_MAX)
		return err_invalid(e, "subject", "the subject is longer than %d bytes",
		    MAIL_SUBJECT_MAX);
	if (!text_utf8_valid(subject, n, false) || has_unicode_breaks(subject, n))
		return err_invalid(e, "subject", "the subject must be UTF-8 text "
		    "without line breaks or control characters");
	return 0;
}

int
mail_check_body(const char *body, struct err *e)
{
	if (body == NULL)
		return err_invalid(e, "body", "a body is required");
	size_t n = strlen(body);
	if (n > MAIL_BODY_MAX)
		return err_invalid(e, "body", "the body is longer than %d bytes",
		    MAIL_BODY_MAX);
	if (!text_utf8_valid(body, n, true))
		return err_invalid(e, "body", "the body must be UTF-8 text "
		    "without control characters other than tab and line breaks");
	return 0;
}

/* RFC 2045 token characters: printable ASCII but space and tspecials. */
static bool
is_token_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`{|}~", c) != NULL;
}

/* Skips a token at *p; false when there is none. */
static bool
skip_token(const char **p)
{
	const char *start = *p;
	while (is_token_char((unsigned char)**p))
		(*p)++;
	return *p > start;
}

/* type "/" subtype *(";" [" "] attribute "=" value), all tokens: the
 * MIME grammar without quoted strings, which we never need. */
static bool
content_type_valid(const char *s)
{
	const char *p = s;
	if (!skip_token(&p) || *p++ != '/' || !skip_token(&p))
		return false;
	while (*p == ';') {
		p++;
		if (*p == ' ')
			p++;
		if (!skip_token(&p) || *p++ != '=' || !skip_token(&p))
			return false;
	}
	return *p == '\0';
}

int
mail_check_attachment(const struct mail_attachment *att, struct err *e)
{
	if (att == NULL)
		return 0;
	if (att->content_type == NULL ||
	    strlen(att->content_type) > MAIL_ATTACHMENT_TYPE_MAX ||
	    !content_type_valid(att->content_type))
		return err_invalid(e, "attachment_type", "the attachment's content "
		    "type must be \"type/subtype\" with \"; name=value\" parameters, "
		    "at most %d bytes", MAIL_ATTACHMENT_TYPE_MAX);
	size_t n = att->filename ? strlen(att->filename) : 0;
	if (n == 0 || n > MAIL_ATTACHMENT_NAME_MAX || att->filename[0] == '.')
		return err_invalid(e, "attachment_name", "the attachment's file name "
		    "must be 1 to %d bytes, not starting with '.'",
		    MAIL_ATTACHMENT_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)att->filename[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return err_invalid(e, "attachment_name", "the attachment's file "
			    "name may only have letters, digits, '.', '_' and '-'");
	}
	if (att->data == NULL)
		return err_invalid(e, "attachment", "the attachment has no data");
	if (strlen(att->data) > MAIL_ATTACHMENT_MAX)
		return err_invalid(e, "attachment", "the attachment is larger than %d bytes",
		    MAIL_ATTACHMENT_MAX);
	return 0;
}

/* Splits a From value into its display name (may be empty) and address,
 * without copying: [*name, *name + *name_len) and [*addr, *addr + *addr_len). */
static int
split_from(const char *from, const char **name, size_t *name_len,
    const char **addr, size_t *addr_len)
{
	size_t n = strlen(from);
	while (n > 0 && from[n - 1] == ' ')
		n--;
	const char *lt = n > 0 && from[n - 1] == '>' ? memrchr(from, '<', n) : NULL;
	if (lt == NULL) {
		*name = from;
		*name_len = 0;
		*addr = from;
		*addr_len = n;
	} else {
		*addr = lt + 1;
		*addr_len = (size_t)(from + n - 1 - *addr);
		*name = from;
		*name_len = (size_t)(lt - from);
	}
	while (**addr == ' ' && *addr_len > 0) {
		(*addr)++;
		(*addr_len)--;
	}
	while (*name_len > 0 && **name == ' ') {
		(*name)++;
		(*name_len)--;
	}
	while (*name_len > 0 && (*name)[*name_len - 1] == ' ')
		(*name_len)--;
	return 0;
}

int
mail_from_address(const char *from, char *addr, size_t addr_len, struct err *e)
{
	if (from == NULL || *from == '\0')
		return err_internal(e, "mail: the From address is empty");
	size_t n = strlen(from);
	/* The operator's setting, but it still becomes a header. */
	if (n > 300 || !text_utf8_valid(from, n, false) || has_unicode_breaks(from, n))
		return err_internal(e, "mail: the From setting (IMAGO_MAIL_FROM) must be "
		    "one line of UTF-8 text");
	const char *name, *a;
	size_t name_len, a_len;
	split_from(from, &name, &name_len, &a, &a_len);
	if (a_len >= addr_len)
		return err_internal(e, "mail: the From address is too long");
	memcpy(addr, a, a_len);
	addr[a_len] = '\0';
	struct err check = ERR_INIT;
	if (mail_check_address(addr, &check) < 0)
		return err_internal(e, "mail: the From setting (IMAGO_MAIL_FROM) has no "
		    "valid address: %s", check.message);
	/* A display name with '<', '>' or '"' inside would need a parser to
	 * agree with ours; refuse rather than guess. A quoted name is fine. */
	bool quoted = name_len >= 2 && name[0] == '"' && name[name_len - 1] == '"';
	for (size_t i = quoted ? 1 : 0; i < (quoted ? name_len - 1 : name_len); i++)
		if (strchr("<>\"\\", name[i]) != NULL && name[i] != '\0')
			return err_internal(e, "mail: the From setting (IMAGO_MAIL_FROM) has "
			    "a display name with <, >, \" or \\ in it");
	return 0;
}

static bool
is_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* Length of the longest prefix of s[0..n) of at most max bytes that ends
 * on a UTF-8 character boundary (s is valid UTF-8). */
static size_t
utf8_prefix(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t k = max;
	while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	return k;
}

/*
 * RFC 2047 encoded-words. Each word is at most 75 characters and holds
 * whole characters only (a reader decodes each word on its own), and a
 * line holds at most 78. Readers join adjacent encoded-words and drop the
 * folding whitespace between them, so the text comes back exactly.
 */
static void
encode_words(struct buf *out, const char *s, size_t n, size_t column)
{
	static const char prefix[] = "=?utf-8?B?", suffix[] = "?=";
	const size_t overhead = sizeof(prefix) - 1 + sizeof(suffix) - 1;
	for (bool first = true; n > 0; first = false) {
		/* A character takes up to 4 bytes, so a word needs room for
		 * 8 base64 characters; otherwise it starts a new line. */
		if (!first || column + overhead + 8 > 78) {
			buf_puts(out, "\r\n ");
			column = 1;
		}
		size_t room = 78 - column;
		if (room > 75)
			room = 75;
		size_t max_bytes = (room - overhead) / 4 * 3;
		size_t take = utf8_prefix(s, n, max_bytes);
		char b64[128];
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s, take,
		    sodium_base64_VARIANT_ORIGINAL);
		buf_puts(out, prefix);
		buf_puts(out, b64);
		buf_puts(out, suffix);
		column += overhead + strlen(b64);
		s += take;
		n -= take;
	}
}

void
mail_encode_header(struct buf *out, const char *text, size_t column)
{
	size_t n = strlen(text);
	/* Plain ASCII that happens to contain "=?" would be taken for an
	 * encoded-word by a reader, so it is encoded too. */
	if (!is_ascii(text, n) || strstr(text, "=?") != NULL) {
		encode_words(out, text, n, column);
		return;
	}
	/* Fold before a space when a line would pass 78 characters:
	 * unfolding removes only the CRLF, so the text is unchanged. */
	size_t i = 0;
	while (i < n) {
		size_t j = i + 1;
		while (j < n && text[j] != ' ')
			j++;
		if (i > 0 && column + (j - i) > 78 && column > 1) {
			buf_puts(out, "\r\n");
			column = 0;
		}
		buf_put(out, text + i, j - i);
		column += j - i;
		i = j;
	}
}

/* The From header's value: the name as it is when it is a plain phrase,
 * quoted when it has specials, encoded-words when it is not ASCII. */
static void
format_from(struct buf *out, const char *from)
{
	const char *name, *addr;
	size_t name_len, addr_len;
	split_from(from, &name, &name_len, &addr, &addr_len);
	if (name_len == 0) {
		buf_put(out, addr, addr_len);
		return;
	}
	bool quoted = name_len >= 2 && name[0] == '"' && name[name_len - 1] == '"';
	if (!is_ascii(name, name_len)) {
		char *plain = xstrndup(name + quoted, name_len - 2 * quoted);
		encode_words(out, plain, strlen(plain), sizeof("From: ") - 1);
		free(plain);
	} else {
		bool atoms = true;
		for (size_t i = 0; i < name_len; i++)
			if (name[i] != ' ' && (!is_local_char((unsigned char)name[i]) ||
			    name[i] == '.'))
				atoms = false;
		if (atoms || quoted)
			buf_put(out, name, name_len);
		else {
			buf_putc(out, '"');
			buf_put(out, name, name_len);
			buf_putc(out, '"');
		}
	}
	buf_puts(out, " <");
	buf_put(out, addr, addr_len);
	buf_putc(out, '>');
}

/* RFC 5322 date-time in UTC; names spelled out so no locale can change
 * them. */
static void
format_date(struct buf *out, time_t now)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	if (gmtime_r(&now, &tm) == NULL) {
		now = 0;
		gmtime_r(&now, &tm);
	}
	buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* 128 random bits as hex: unique without knowing our host name. */
static void
random_hex(char hex[33])
{
	unsigned char id[16];
	randombytes_buf(id, sizeof(id));
	sodium_bin2hex(hex, 33, id, sizeof(id));
}

/* The headers every message has, up to MIME-Version, no line end. */
static void
format_envelope(struct buf *out, const char *from, const char *to,
    const char *subject, time_t now)
{
	buf_puts(out, "From: ");
	format_from(out, from);
	buf_puts(out, "\r\nTo: ");
	buf_puts(out, to);
	buf_puts(out, "\r\nSubject: ");
	mail_encode_header(out, subject, sizeof("Subject: ") - 1);
	buf_puts(out, "\r\nDate: ");
	format_date(out, now);
	char hex[33];
	random_hex(hex);
	buf_printf(out, "\r\nMessage-ID: <%s@imago>", hex);
	buf_puts(out, "\r\nMIME-Version: 1.0");
}

static const char text_part_headers[] =
    "Content-Type: text/plain; charset=utf-8"
    "\r\nContent-Transfer-Encoding: quoted-printable"
    "\r\n\r\n";

void
mail_format(struct buf *out, const char *from, const char *to,
    const char *subject, const char *body, time_t now)
{
	mail_format_with(out, from, to, subject, body, NULL, now);
}

/* data in base64, lines of 76 characters each ending in CRLF. */
static void
base64_lines(struct buf *out, const char *data, size_t n)
{
	size_t encoded_len = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL);
	char *b64 = xmalloc(encoded_len);
	sodium_bin2base64(b64, encoded_len, (const unsigned char *)data, n,
	    sodium_base64_VARIANT_ORIGINAL);
	size_t len = strlen(b64);
	for (size_t i = 0; i < len; i += 76) {
		buf_put(out, b64 + i, len - i < 76 ? len - i : 76);
		buf_puts(out, "\r\n");
	}
	free(b64);
}

/*
 * The boundary starts with "=_", which neither encoding can produce: in
 * quoted-printable '=' is always followed by two hex digits or a line
 * end, and base64 has no '_'. The part headers are ours and start with
 * "Content-". So no line of a part can be a delimiter, whatever the
 * content; the random rest only keeps nested forwards apart.
 */
void
mail_format_with(struct buf *out, const char *from, const char *to,
    const char *subject, const char *body, const struct mail_attachment *att,
    time_t now)
{
	format_envelope(out, from, to, subject, now);
	buf_puts(out, "\r\n");
	if (att == NULL) {
		buf_puts(out, text_part_headers);
		mail_qp_encode(out, body, strlen(body));
		return;
	}
	char hex[33];
	random_hex(hex);
	char boundary[48];
	snprintf(boundary, sizeof(boundary), "=_imago_%s", hex);
	/* Folded: on one line it would pass 78 characters. */
	buf_printf(out, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n",
	    boundary);
	buf_printf(out, "--%s\r\n", boundary);
	buf_puts(out, text_part_headers);
	size_t start = out->len;
	mail_qp_encode(out, body, strlen(body));
	/* The CRLF before a delimiter belongs to the delimiter; an empty
	 * body has none of its own. */
	if (out->len == start)
		buf_puts(out, "\r\n");
	buf_printf(out, "--%s\r\n", boundary);
	buf_printf(out, "Content-Type: %s\r\n", att->content_type);
	buf_puts(out, "Content-Transfer-Encoding: base64\r\n");
	buf_printf(out, "Content-Disposition: attachment;\r\n filename=\"%s\"\r\n\r\n",
	    att->filename);
	base64_lines(out, att->data, strlen(att->data));
	buf_printf(out, "--%s--\r\n", boundary);
}

/* Appends one byte of a line as quoted-printable; returns its width. */
static size_t
qp_token(char tok[4], const unsigned char *line, size_t k, size_t len, size_t column)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c = line[k];
	bool literal = (c >= 33 && c <= 126 && c != '=') ||
	    /* Whitespace is kept except at the end of a line, where
	     * transports strip it. */
	    ((c == ' ' || c == '\t') && k + 1 < len);
	/* At the start of an encoded line, a lone "." ends an SMTP message
	 * and "From " starts a new one in an mbox; encoding the first
	 * character means we rely on neither being escaped downstream. */
	if (column == 0 && (c == '.' ||
	    (c == 'F' && len - k >= 5 && memcmp(line + k, "From ", 5) == 0)))
		literal = false;
	if (literal) {
		tok[0] = (char)c;
		return 1;
	}
	tok[0] = '=';
	tok[1] = hex[c >> 4];
	tok[2] = hex[c & 15];
	return 3;
}

static void
qp_line(struct buf *out, const unsigned char *line, size_t len)
{
	size_t column = 0;
	for (size_t k = 0; k < len; k++) {
		char tok[4];
		size_t w = qp_token(tok, line, k, len, column);
		/* 76 characters a line; a soft break's '=' counts, so only
		 * the line's last token may reach column 76. */
		if (column + w > (k + 1 == len ? 76 : 75)) {
			buf_puts(out, "=\r\n");
			column = 0;
			w = qp_token(tok, line, k, len, column);
		}
		buf_put(out, tok, w);
		column += w;
	}
	buf_puts(out, "\r\n");
}

void
mail_qp_encode(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && p[j] != '\r' && p[j] != '\n')
			j++;
		qp_line(out, p + i, j - i);
		if (j < n && p[j] == '\r' && j + 1 < n && p[j + 1] == '\n')
			j++;
		i = j < n ? j + 1 : j;
	}
}
