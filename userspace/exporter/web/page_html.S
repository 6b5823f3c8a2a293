/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * page_html.S - web/page/index.html built into the binary as
 * p1x_page_html .. p1x_page_html_end (P1X_PAGE is its path, given by the
 * build).
 */
	.section .rodata
	.globl	p1x_page_html
	.globl	p1x_page_html_end
p1x_page_html:
	.incbin	P1X_PAGE
p1x_page_html_end:
	.byte	0
	.section .note.GNU-stack,"",%progbits
