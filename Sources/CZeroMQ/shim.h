#ifndef SATURN_CZEROMQ_SHIM_H
#define SATURN_CZEROMQ_SHIM_H
#include <errno.h>
#include <string.h>
#include <zmq.h>
#endif
