/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_seq - the receive window of RFC 5880 6.7.3 / 6.7.4 for the sequence
 * numbers of keyed and meticulous keyed SHA1 (bfd.RcvAuthSeq and
 * bfd.AuthSeqKnown).
 *
 * Owns: the last accepted sequence number and whether it is known. Pure
 * arithmetic on the 32-bit circular number space. Never does: hashes
 * (a packet must pass bfd_auth_verify before bfd_seq_accept), or the
 * timing of forgetting (the session clears the window after twice the
 * detection time without a packet, RFC 5880 6.8.1).
 */
#ifndef VIPD_BFD_SEQ_H
#define VIPD_BFD_SEQ_H

#include <stdbool.h>
#include <stdint.h>

struct bfd_seq {
	bool known;          /* bfd.AuthSeqKnown */
	uint32_t last;       /* bfd.RcvAuthSeq */
};

/*
 * Whether seq may be accepted, detect_mult being the Detect Mult of the
 * packet that carries it. Unknown window: anything. Keyed: within
 * last .. last + 3 x detect_mult; meticulous: last + 1 .. last + 3 x
 * detect_mult (a number is never accepted twice), both inclusive and
 * circular, so that the wrap from 0xffffffff to 0 is a step of one.
 */
bool bfd_seq_acceptable(const struct bfd_seq *w, bool meticulous,
			uint8_t detect_mult, uint32_t seq);

/* Record seq of an authenticated packet: the window is known from now on. */
void bfd_seq_accept(struct bfd_seq *w, uint32_t seq);

/* Forget the window (RFC 5880 6.8.1: the peer may have restarted). */
void bfd_seq_forget(struct bfd_seq *w);

#endif
