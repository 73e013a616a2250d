"""Templates: the message texts per template, language and channel, rendered sandboxed.

The texts are package data under ``messages/<locale>/<template>.<channel>.txt``.
"""
