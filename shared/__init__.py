"""Talenta's common library: event contracts and the plumbing every service uses the same way."""
