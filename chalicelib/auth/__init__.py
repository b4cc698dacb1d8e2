"""Login, authorisation levels, the phone number, and the user's own record."""
