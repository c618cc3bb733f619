# SPDX-License-Identifier: GPL-2.0-or-later
# ctl/ - what operators read and say: the control protocol (ctl_proto,
# pure), the control socket (ctl), the state dumps (dump, dump_status), and
# the metrics endpoint (metrics, with the OpenMetrics text in metrics_om,
# pure).
PURE_SRCS += lib/ctl/ctl_proto.c lib/ctl/metrics_om.c lib/ctl/ctl_compare.c
GLUE_SRCS += lib/ctl/ctl.c lib/ctl/dump.c lib/ctl/dump_status.c \
	lib/ctl/metrics.c
