"""Member search: what a staff query means, the pinyin initial of a surname, and each staff
user's recently viewed and pinned members."""
