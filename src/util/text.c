/*
 * UTF-8 validation and name folding. Folding runs once per search query and
 * once per gazetteer name at import, so it favours correctness over speed:
 * ICU's NFKD normalizer and case folding, then combining marks are dropped
 * and every run of non-alphanumerics becomes one space.
 */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "mem.h"

bool
text_utf8_valid(const char *s, size_t n, bool allow_newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c < 0x80) {
			if (c == 0x7f)
				return false;
			if (c < 0x20 && !(allow_newlines &&
			    (c == '\n' || c == '\r' || c == '\t')))
				return false;
			i++;
			continue;
		}
		int32_t len = 0;
		uint32_t cp;
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2; cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3; cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4; cp = c & 0x07;
		} else
			return false;
		if (i + (size_t)len > n)
			return false;
		for (int32_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and values beyond U+10FFFF. */
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += (size_t)len;
	}
	return true;
}

size_t
text_utf8_length(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

/* NFKD of in[0..n) into a new buffer; *len gets its length (0 on error).
 * Most text decomposes to under 4x its length; a few compatibility
 * characters (U+FDFA: 18 code units) need more, so ICU's preflighted
 * size is used when the first guess is short. */
static UChar *
decompose(const UChar *in, int32_t n, int32_t *len)
{
	UErrorCode status = U_ZERO_ERROR;
	const UNormalizer2 *nfkd = unorm2_getNFKDInstance(&status);
	int32_t cap = n * 4 + 8;
	UChar *out = xmalloc(sizeof(UChar) * (size_t)cap);
	*len = U_FAILURE(status) ? 0 : unorm2_normalize(nfkd, in, n, out, cap, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR) {
		status = U_ZERO_ERROR;
		cap = *len + 1;
		out = xrealloc(out, sizeof(UChar) * (size_t)cap);
		*len = unorm2_normalize(nfkd, in, n, out, cap, &status);
	}
	if (U_FAILURE(status))
		*len = 0;
	return out;
}

/* Full case folding of in[0..n) into a new buffer ("ß" -> "ss"). */
static UChar *
case_fold(const UChar *in, int32_t n, int32_t *len)
{
	UErrorCode status = U_ZERO_ERROR;
	int32_t cap = n * 3 + 8;
	UChar *out = xmalloc(sizeof(UChar) * (size_t)cap);
	*len = u_strFoldCase(out, cap, in, n, U_FOLD_CASE_DEFAULT, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR) {
		status = U_ZERO_ERROR;
		cap = *len + 1;
		out = xrealloc(out, sizeof(UChar) * (size_t)cap);
		*len = u_strFoldCase(out, cap, in, n, U_FOLD_CASE_DEFAULT, &status);
	}
	if (U_FAILURE(status))
		*len = 0;
	return out;
}

void
text_fold(struct buf *out, const char *s, size_t n)
{
	if (n == 0 || n > (1u << 20) || !text_utf8_valid(s, n, true))
		return;
	UErrorCode status = U_ZERO_ERROR;
	int32_t cap = (int32_t)n + 1, u16len = 0;
	UChar *u16 = xmalloc(sizeof(UChar) * (size_t)cap);
	u_strFromUTF8(u16, cap, &u16len, s, (int32_t)n, &status);
	if (U_FAILURE(status))
		u16len = 0;
	/* Decompose, fold, decompose again: compatibility forms can
	 * decompose to capitals ("™" -> "TM") and folding can produce
	 * characters that decompose further, and only this order makes
	 * folding a folded key a no-op, which the name index relies on. */
	int32_t len1, len2, dlen;
	UChar *first = decompose(u16, u16len, &len1);
	UChar *folded = case_fold(first, len1, &len2);
	UChar *decomposed = decompose(folded, len2, &dlen);
	free(first);

	bool pending_space = false;
	size_t start = out->len;
	for (int32_t i = 0; i < dlen;) {
		UChar32 c;
		U16_NEXT(decomposed, i, dlen, c);
		int8_t type = u_charType(c);
		if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK ||
		    type == U_COMBINING_SPACING_MARK)
			continue;
		if (!u_isalnum(c)) {
			pending_space = true;
			continue;
		}
		if (pending_space && out->len > start)
			buf_putc(out, ' ');
		pending_space = false;
		char enc[4];
		int32_t k = 0;
		UBool err = 0;
		U8_APPEND(enc, k, 4, c, err);
		if (!err)
			buf_put(out, enc, (size_t)k);
	}
	free(u16);
	free(folded);
	free(decomposed);
}

char *
text_fold_dup(const char *s)
{
	struct buf b = BUF_INIT;
	text_fold(&b, s, strlen(s));
	return buf_detach(&b);
}

char *
text_trim(char *s)
{
	char *p = s;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	size_t n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
	    p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	memmove(s, p, n);
	s[n] = '\0';
	return s;
}
