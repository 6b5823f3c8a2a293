/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * page.h - the live page served at "/" (web/page/index.html, built into
 * the binary by web/page_html.S: one self-contained HTML file, no request to
 * any other host).  It reads /api/v1/meters and /api/v1/meters/NAME/history
 * once and then follows /api/v1/events.
 */
#ifndef P1X_PAGE_H
#define P1X_PAGE_H

#include <microhttpd.h>

enum MHD_Result page_reply(struct MHD_Connection *c);

#endif
