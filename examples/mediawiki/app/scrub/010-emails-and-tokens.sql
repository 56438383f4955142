-- Scrub (database refresh into a non-production copy): no user's email address, email
-- confirmation token, session token ("remember me") or bot password survives; watchlist
-- feed tokens go too. Runs after invalidate-passwords, which may set the admin's token.
UPDATE user SET user_email = '', user_email_authenticated = NULL, user_email_token = NULL,
	user_email_token_expires = NULL, user_token = '';
DELETE FROM bot_passwords;
DELETE FROM user_properties WHERE up_property = 'watchlisttoken';
