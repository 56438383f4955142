/* SPDX-License-Identifier: MIT */
/* version.h: ferry's version string. */
#ifndef FERRY_VERSION_H
#define FERRY_VERSION_H
#define FERRY_VERSION "0.1.0"
#endif
