/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_seq.c - sequence number window for BFD SHA1 authentication (see
 * bfd_seq.h).
 */
#include "bfd/bfd_seq.h"

bool
bfd_seq_acceptable(const struct bfd_seq *w, bool meticulous,
    uint8_t detect_mult, uint32_t seq)
{
	/* Unsigned subtraction is the distance in the circular space. */
	uint32_t ahead = seq - w->last;
	uint32_t span = 3u * detect_mult;

	if (!w->known)
		return true;
	if (meticulous && ahead == 0)
		return false;
	return ahead <= span;
}

void
bfd_seq_accept(struct bfd_seq *w, uint32_t seq)
{
	w->known = true;
	w->last = seq;
}

void
bfd_seq_forget(struct bfd_seq *w)
{
	w->known = false;
	w->last = 0;
}
