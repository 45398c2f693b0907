#!/usr/bin/env node
// The root package's `switchboard` bin. A file kept in git with its executable bit: tsc writes dist/ without one.
import '../dist/main.js';
