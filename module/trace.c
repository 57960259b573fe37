// SPDX-License-Identifier: GPL-2.0
/* Instantiates the axvm tracepoints declared in axvm_trace.h. */
#define CREATE_TRACE_POINTS
#include "axvm_trace.h"
