// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * page.c - serves the live page (see page.h).
 */
#include "page.h"

#include "http.h"

extern const char p1x_page_html[], p1x_page_html_end[];

enum MHD_Result page_reply(struct MHD_Connection *c)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		(size_t)(p1x_page_html_end - p1x_page_html),
		(void *)p1x_page_html, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/html; charset=utf-8");
	/* The page may talk only to the exporter itself. */
	MHD_add_response_header(
		resp, "Content-Security-Policy",
		"default-src 'none'; script-src 'unsafe-inline'; "
		"style-src 'unsafe-inline'; connect-src 'self'; img-src data:");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-cache");
	http_add_headers(resp);
	r = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return r;
}
