"""The operators' side of group-buy (拼团) and bargain (砍价) campaigns: list, edit what is safe, pause, end."""
