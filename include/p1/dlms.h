/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p1/dlms.h - libp1: authenticate and decrypt the DLMS general-global-
 * ciphering frames of Luxembourg Smarty and Austrian meters (AES-128-GCM,
 * OpenSSL libcrypto).  One implementation for every userspace path:
 * p1ctl decode, the exporter's serial, TCP and replay sources.
 *
 * The framer (p1_framer.h) hands such a frame out whole as P1_FRAME_DLMS:
 *   0xDB 0x08 <system title, 8> 0x82 <L, 2 BE>
 *   0x30 <frame counter, 4 BE> <ciphertext, L - 17> <GCM tag, 12>
 * IV = system title || frame counter; AAD = 0x30 || authentication key.
 * The plaintext is an ordinary telegram with its CRC: feed it to
 * p1_parse() (or a second framer) like any other.
 *
 * A context holds the keys, one OpenSSL cipher context (allocated once:
 * p1_dlms_decrypt() allocates nothing) and the last accepted frame
 * counter of each system title it saw (P1_DLMS_TITLES of them, the least
 * recently seen forgotten first).  A frame is accepted only if its tag is
 * right AND its counter is above the last accepted one from its title, so
 * neither a forgery nor a replay of an old frame is ever delivered.
 * Keys are wiped when replaced and when the context is freed.
 * Not thread-safe: one context per thread (per meter, usually).
 */
#ifndef P1_DLMS_H
#define P1_DLMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define P1_DLMS_KEY_LEN	   16
#define P1_DLMS_TITLE_SIZE 8
#define P1_DLMS_TITLES	   8
/* Smarty's published authentication key (the default). */
#define P1_DLMS_SMARTY_AUTH_KEY "00112233445566778899AABBCCDDEEFF"

enum p1_dlms_result {
	P1_DLMS_OK = 0,	     /* authenticated and decrypted */
	P1_DLMS_NO_KEY,	     /* no key set: not decrypted */
	P1_DLMS_AUTH_FAILED, /* tag wrong: wrong key, or altered in transit */
	P1_DLMS_REPLAY,	     /* counter not above the last accepted one */
	P1_DLMS_MALFORMED,   /* not a frame p1_dlms_decrypt() can handle */
	P1_DLMS_ERROR,	     /* the crypto library failed */
};

/* What the header of a frame says (valid unless P1_DLMS_MALFORMED). */
struct p1_dlms_info {
	uint8_t title[P1_DLMS_TITLE_SIZE]; /* system title (maker + serial) */
	uint32_t counter;		   /* frame counter */
	uint32_t plain_len;		   /* bytes of plaintext */
};

struct p1_dlms;

/* A context without key and with Smarty's authentication key; NULL: ENOMEM. */
struct p1_dlms *p1_dlms_new(void);
void p1_dlms_free(struct p1_dlms *d);

/* Set the encryption key (NULL clears it). */
void p1_dlms_set_key(struct p1_dlms *d, const uint8_t *key);
/* Set the authentication key (NULL: back to Smarty's). */
void p1_dlms_set_auth_key(struct p1_dlms *d, const uint8_t *auth_key);
bool p1_dlms_has_key(const struct p1_dlms *d);
/* Give @to the keys of @from (no counters). */
void p1_dlms_copy_keys(struct p1_dlms *to, const struct p1_dlms *from);
/* Forget every system title's last counter. */
void p1_dlms_forget(struct p1_dlms *d);

/* Check a frame's header and length; 0 or -1 (malformed). */
int p1_dlms_parse(const uint8_t *frame, size_t len, struct p1_dlms_info *info);

/*
 * Authenticate and decrypt @frame (@len bytes, whole) into @out (@cap
 * bytes; info.plain_len <= len - 30 are needed).  @info (may be NULL) gets
 * the header.  On anything but P1_DLMS_OK, @out holds nothing usable.
 */
enum p1_dlms_result p1_dlms_decrypt(struct p1_dlms *d, const uint8_t *frame,
				    size_t len, uint8_t *out, size_t cap,
				    struct p1_dlms_info *info);

const char *p1_dlms_result_name(enum p1_dlms_result r);

/*
 * The other way (emulators, tests): encrypt @n bytes of @plain into a whole
 * frame from system title @title with frame counter @counter, using the
 * context's keys.  Returns the frame's length (n + 30), or -1 if there is
 * no key, @cap is too small or n + 17 > 65535.  The context is keyed for
 * encryption afterwards: use separate contexts for both directions.
 */
int p1_dlms_seal(struct p1_dlms *d, const uint8_t title[P1_DLMS_TITLE_SIZE],
		 uint32_t counter, const uint8_t *plain, size_t n, uint8_t *out,
		 size_t cap);

/*
 * A 16-byte key from 32 hex digits (either case; spaces, ':' and '-'
 * between digits and a trailing newline are allowed).  0, or -1 if @s is
 * not exactly such a key.
 */
int p1_dlms_key_from_hex(const char *s, uint8_t key[P1_DLMS_KEY_LEN]);
/*
 * The same from the first line of file @path (at most 256 bytes read).
 * 0, or -1 with errno set (EINVAL: not a key).
 */
int p1_dlms_key_from_file(const char *path, uint8_t key[P1_DLMS_KEY_LEN]);

#ifdef __cplusplus
}
#endif

#endif /* P1_DLMS_H */
