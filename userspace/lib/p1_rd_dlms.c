// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_rd_dlms.c - the reader's encrypted meters (Luxembourg Smarty,
 * Austria): options key=HEX, key-file=PATH, auth-key=HEX and
 * auth-key-file=PATH; each DLMS frame the framer completes is
 * authenticated and decrypted (p1/dlms.h), its telegram goes through a
 * second framer (CRC-checked and counted like any telegram) and is
 * delivered with meta->encrypted set.  Failures are counted
 * (dlms_auth_failed, dlms_replayed, dlms_no_key) and reported through the
 * error callback (no key: once).  Buffers are allocated by
 * p1_reader_start(); a frame allocates nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <p1/dlms.h>

#include "p1_reader_int.h"

int p1i_rd_dlms_option(struct p1_reader *r, const char *key, const char *v)
{
	uint8_t k[P1_DLMS_KEY_LEN];
	bool auth = !strncmp(key, "auth-", 5);
	const char *base = auth ? key + 5 : key;
	int rc;

	if (strcmp(base, "key") && strcmp(base, "key-file"))
		return -ENOENT;
	rc = strcmp(base, "key") ? p1_dlms_key_from_file(v, k)
				 : p1_dlms_key_from_hex(v, k);
	if (rc) {
		rc = errno == EINVAL || !strcmp(base, "key") ? -EINVAL : -errno;
		memset(k, 0, sizeof(k));
		return rc;
	}
	if (!r->dlms && !(r->dlms = p1_dlms_new())) {
		memset(k, 0, sizeof(k));
		return -ENOMEM;
	}
	if (auth)
		p1_dlms_set_auth_key(r->dlms, k);
	else
		p1_dlms_set_key(r->dlms, k);
	memset(k, 0, sizeof(k));
	return 0;
}

int p1i_rd_dlms_start(struct p1_reader *r)
{
	if (!r->dlms)
		return 0;
	r->plain = malloc(r->max_size);
	r->pfrbuf = malloc(r->max_size);
	if (!r->plain || !r->pfrbuf)
		return -ENOMEM;
	p1_framer_init(&r->pfr, r->pfrbuf, r->max_size);
	p1_framer_set_crc_mode(&r->pfr, r->crc_mode);
	return 0;
}

void p1i_rd_dlms_free(struct p1_reader *r)
{
	if (r->kind == P1_READER_EMULATOR) /* its meter's sealing context */
		p1_dlms_free(r->u.emu.p.dlms);
	p1_dlms_free(r->dlms);
	free(r->plain);
	free(r->pfrbuf);
	r->dlms = NULL;
	r->plain = r->pfrbuf = NULL;
}

/* The decrypted telegram: framed, then delivered with the frame's times. */
static void take_plain(struct p1_reader *r, const struct p1_frame *f, size_t n,
		       const struct p1_dlms_info *in)
{
	const uint8_t *p = r->plain;
	struct p1_frame t;
	size_t used;

	while (n && !r->stopping) {
		used = p1_framer_push(&r->pfr, p, NULL, n, f->end_stamp, &t);
		p += used;
		n -= used;
		if (!t.len && !used)
			break;
		if (!t.len && !n && r->pfr.len)
			/* a trailer's CR at the very end: one more byte */
			p1_framer_push(&r->pfr, (const uint8_t *)"", NULL, 1,
				       f->end_stamp, &t);
		if (t.len && t.type == P1_FRAME_TEXT) {
			t.start_stamp = f->start_stamp;
			r->dlms_counter = in->counter;
			memcpy(r->dlms_title, in->title, sizeof(r->dlms_title));
			r->dlms_plain = true;
			p1i_rd_frame(r, &t);
			r->dlms_plain = false;
		}
	}
	p1_framer_reset(&r->pfr); /* a cut-off telegram counts truncated */
}

void p1i_rd_dlms_frame(struct p1_reader *r, const struct p1_frame *f)
{
	struct p1_dlms_info in;
	enum p1_dlms_result res;

	if (f->status != P1_FR_OK) /* a line error, counted by the framer */
		return;
	if (!r->dlms || !p1_dlms_has_key(r->dlms)) {
		r->c.dlms_no_key++;
		if (!r->dlms_told)
			p1i_rd_error(r, -ENOKEY,
				     "the meter sends encrypted (DLMS) frames "
				     "and no key is set (option key-file=)");
		r->dlms_told = true;
		return;
	}
	res = p1_dlms_decrypt(r->dlms, f->data, f->len, r->plain, r->max_size,
			      &in);
	switch (res) {
	case P1_DLMS_OK:
		r->c.dlms_decrypted++;
		take_plain(r, f, in.plain_len, &in);
		return;
	case P1_DLMS_AUTH_FAILED:
		r->c.dlms_auth_failed++;
		/* bytes lost in it: it may hold the next frame's start */
		p1_framer_reject(&r->fr);
		p1i_rd_error(r, -EBADMSG,
			     "encrypted frame %u failed authentication: wrong "
			     "key or auth-key, or altered on the line",
			     in.counter);
		return;
	case P1_DLMS_REPLAY:
		r->c.dlms_replayed++;
		p1i_rd_error(r, -EBADMSG,
			     "encrypted frame %u replayed (counter not above "
			     "the last one): dropped",
			     in.counter);
		return;
	default:
		r->c.dlms_auth_failed++;
		p1_framer_reject(&r->fr);
		p1i_rd_error(r, -EBADMSG, "encrypted frame not usable (%s)",
			     p1_dlms_result_name(res));
		return;
	}
}
