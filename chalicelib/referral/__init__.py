"""Referral: invite → the invitee's new-user pack, the inviter rewarded as the invitee buys."""
