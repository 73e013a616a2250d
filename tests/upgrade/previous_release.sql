--
-- PostgreSQL database dump
--

\restrict XhPJvvHoLNiVSxRmxWONphuzavAKDNS9X1BwDFd9UqzyRrKbMemPBbgH7AQI7l7

-- Dumped from database version 18.6
-- Dumped by pg_dump version 18.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Data for Name: dead_letters; Type: TABLE DATA; Schema: analytics; Owner: -
--

COPY analytics.dead_letters (id, event_id, event_type, topic, partition, "offset", payload, error, attempts, parked_at, replayed_at) FROM stdin;
\.


--
-- Data for Name: inbox; Type: TABLE DATA; Schema: analytics; Owner: -
--

COPY analytics.inbox (event_id, event_type, processed_at) FROM stdin;
b23276c8-5724-4b90-a7b4-caeb22cae583	customer.member.registered	2026-11-29 23:09:45.290471+00
e47347af-0132-406c-87d7-2c84ad10d077	customer.member.registered	2026-11-29 23:09:45.603646+00
9f5487dc-5da6-4aae-a51d-19d64b607397	customer.member.registered	2026-11-29 23:09:45.852252+00
78ae4524-a23b-4fff-a3b7-bc2c0e4235f5	customer.member.registered	2026-11-29 23:09:46.176504+00
3259dea3-08bd-4a2a-b32f-73ad634b27cd	customer.member.registered	2026-11-29 23:09:46.478808+00
a2bc4a73-b34f-493c-a6e6-ad173ec8235a	customer.member.registered	2026-11-29 23:09:46.626464+00
cb6aa1b2-ac67-42f8-bd94-0ee4449708ee	messaging.notification.suppressed	2026-11-29 23:09:46.799313+00
2cc6d911-96ce-4b19-85ed-1eaef1cd7e8d	messaging.notification.sent	2026-11-29 23:09:46.799313+00
25671f47-2643-41c0-9bf2-19a19eca1f43	messaging.notification.sent	2026-11-29 23:09:46.799313+00
3ae7bb69-0db8-47af-913b-9c91a7692ea1	messaging.notification.suppressed	2026-11-29 23:09:47.121653+00
4ab59e05-724a-4e67-a600-86736614a353	messaging.notification.suppressed	2026-11-29 23:09:47.121653+00
c7ff36c4-0abe-4743-be10-cd8671cabd1e	messaging.notification.sent	2026-11-29 23:09:47.183334+00
9fa98915-2d52-444f-885a-1597d01237e6	messaging.notification.sent	2026-11-29 23:09:47.183334+00
f6b2d5d6-d4d2-473d-9e3c-c579fb38265b	messaging.notification.sent	2026-11-29 23:09:47.183334+00
fde9f519-2128-4a68-82b9-da5e02f1570b	messaging.notification.sent	2026-11-29 23:09:47.183334+00
5895b5f1-e3f0-4ac5-b9db-7d4fbf2ee299	messaging.notification.sent	2026-11-29 23:09:47.183334+00
11296b8b-278c-4046-9d10-cfc37d8baf0c	messaging.notification.suppressed	2026-11-29 23:09:47.183334+00
a2cee616-11bd-4d93-8147-a8d5d9f39de5	messaging.notification.sent	2026-11-29 23:09:47.279666+00
8fcdc0d3-18df-40f0-90ad-22a06f02c0cd	orders.purchase.completed	2026-11-29 23:09:49.366467+00
1578010c-4d13-4bd6-8efd-7564c122adeb	messaging.notification.sent	2026-11-29 23:09:49.640763+00
936f74b1-1387-4dc8-9884-872815d56f25	messaging.notification.sent	2026-11-29 23:09:49.640763+00
6e4599f5-d628-45a9-affe-093a69992dd5	orders.purchase.completed	2026-11-29 23:09:49.89846+00
32d57a0d-35b5-4176-8ed4-7b56daacb701	loyalty.tier.changed	2026-11-29 23:09:49.992795+00
705b8ff1-7e36-4279-91f8-212e7f415046	messaging.notification.sent	2026-11-29 23:09:50.170491+00
df2f21b4-5d05-4668-909b-d4dbcb181130	messaging.notification.sent	2026-11-29 23:09:50.170491+00
b9fdc493-9569-4106-a178-5b186fc75b4c	messaging.notification.sent	2026-11-29 23:09:50.170491+00
fb589cd7-3274-4ef5-a016-992b8c4d5db9	messaging.notification.sent	2026-11-29 23:09:50.170491+00
b58f2df1-9dcb-42de-9c09-22cbdac12f70	orders.purchase.completed	2026-11-29 23:09:50.399231+00
e9fe0abb-55da-44fe-9691-914ef047a714	orders.purchase.completed	2026-11-29 23:09:50.481325+00
5024dbbb-0c8e-44e8-a5c6-ccaadd64880c	messaging.notification.sent	2026-11-29 23:09:50.628597+00
4e67d094-b2d8-4ea8-91eb-2c39ee371f5c	messaging.notification.sent	2026-11-29 23:09:50.628597+00
63ab683b-74e0-4e93-b75a-eb2f605b2ae3	messaging.notification.sent	2026-11-29 23:09:50.700644+00
b91453be-1737-498f-8fcd-1ff8cc5424d8	messaging.notification.sent	2026-11-29 23:09:50.700644+00
b0da237a-195c-4f09-8ec9-d671b1913ca4	orders.purchase.completed	2026-11-29 23:09:50.700644+00
419641da-2afa-47f1-8035-09f2b5146a15	orders.purchase.completed	2026-11-29 23:09:50.808872+00
c60155fc-fa76-4614-ac88-b0357861958b	messaging.notification.sent	2026-11-29 23:09:50.892771+00
cf364db2-bdb5-432b-9c05-6ef1accc2ceb	messaging.notification.sent	2026-11-29 23:09:50.892771+00
b805d3e7-8cb9-495f-b2ea-bbea1f432195	orders.purchase.completed	2026-11-29 23:09:50.983079+00
56369269-0393-47c1-afeb-64a5de75b3ac	orders.purchase.completed	2026-11-29 23:09:50.983079+00
e1dbf556-40f7-402c-bcba-5b420fa626f4	messaging.notification.sent	2026-11-29 23:09:51.117283+00
a8b64294-46df-4973-b52a-4d298071d667	messaging.notification.sent	2026-11-29 23:09:51.117283+00
3c547549-fa93-468a-9611-33f1a9a9686c	orders.purchase.returned	2026-11-29 23:09:51.224564+00
3ebcd85a-9797-4e93-8602-5409de3d4d7f	messaging.notification.suppressed	2026-11-29 23:09:51.307121+00
fce244d6-3982-43ed-b1a1-563489f6735f	messaging.notification.suppressed	2026-11-29 23:09:51.307121+00
0bb9e778-838c-44b5-8a4b-c61d2cd93863	messaging.notification.sent	2026-11-29 23:09:51.327779+00
21fa434c-491f-424c-8e01-78e34dc0161e	messaging.notification.sent	2026-11-29 23:09:51.327779+00
\.


--
-- Data for Name: members; Type: TABLE DATA; Schema: analytics; Owner: -
--

COPY analytics.members (member_id, registered_at, store_id, purchase_count, spend_fen, returned_fen, first_purchase_at, last_purchase_at, tier_code) FROM stdin;
0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89	2026-11-29 23:09:46.212871+00	\N	0	0	0	\N	\N	\N
051b17ee-577b-4609-b02b-e0d743fa7353	2026-11-29 23:09:45.143923+00	cd9685b3-472e-4821-83c7-cef38188e624	2	131400	0	2026-11-29 23:09:49.236675+00	2026-11-29 23:09:49.78333+00	vip
d047911b-7b3b-4341-98e4-7e96f2025039	2026-11-29 23:09:45.640544+00	\N	1	19900	0	2026-11-29 23:09:50.400733+00	2026-11-29 23:09:50.400733+00	\N
f0cb0e4d-92b9-48c6-a569-ceba517123a2	2026-11-29 23:09:45.925341+00	2b43e13c-d251-4517-9a5b-12a7664e4f25	1	9900	0	2026-01-14 01:30:00+00	2026-01-14 01:30:00+00	\N
6f073200-aca5-4d87-9959-cbbab9a52978	2026-11-29 23:09:46.495767+00	\N	1	15800	0	2026-11-29 23:09:50.889976+00	2026-11-29 23:09:50.889976+00	\N
41692907-9851-4f11-9562-a347de165596	2026-11-29 23:09:45.375204+00	\N	3	63800	12900	2026-11-29 23:09:50.308039+00	2026-11-29 23:09:50.708031+00	\N
\.


--
-- Data for Name: notification_days; Type: TABLE DATA; Schema: analytics; Owner: -
--

COPY analytics.notification_days (day, channel, status, count) FROM stdin;
2026-11-30	email	suppressed	3
2026-11-30	sms	suppressed	3
2026-11-30	sms	sent	12
2026-11-30	email	sent	12
\.


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: analytics; Owner: -
--

COPY analytics.outbox (seq, event_id, event_type, topic, key, envelope, created_at, published_at, partition, "offset") FROM stdin;
\.


--
-- Data for Name: purchases; Type: TABLE DATA; Schema: analytics; Owner: -
--

COPY analytics.purchases (purchase_id, member_id, store_id, total_fen, returned_fen, fully_returned, purchased_at) FROM stdin;
48d48151-29fb-4db7-bfb1-1d65e03655b1	051b17ee-577b-4609-b02b-e0d743fa7353	cd9685b3-472e-4821-83c7-cef38188e624	51600	0	f	2026-11-29 23:09:49.236675+00
057e40e3-7fe1-4b72-9f95-4d777e7d3b2d	051b17ee-577b-4609-b02b-e0d743fa7353	cd9685b3-472e-4821-83c7-cef38188e624	79800	0	f	2026-11-29 23:09:49.78333+00
659f4fa3-bf3d-4b92-99a5-2d3d854ea96b	d047911b-7b3b-4341-98e4-7e96f2025039	2b43e13c-d251-4517-9a5b-12a7664e4f25	19900	0	f	2026-11-29 23:09:50.400733+00
aa6e2891-41ed-4982-8ed3-db9b6b86dd45	41692907-9851-4f11-9562-a347de165596	2b43e13c-d251-4517-9a5b-12a7664e4f25	8800	0	f	2026-11-29 23:09:50.513822+00
395e035e-038c-48d0-8941-5f2efe22a61a	41692907-9851-4f11-9562-a347de165596	2b43e13c-d251-4517-9a5b-12a7664e4f25	8800	0	f	2026-11-29 23:09:50.708031+00
f5c7408f-fb76-49cd-bdf3-79f46df5ca9c	f0cb0e4d-92b9-48c6-a569-ceba517123a2	2b43e13c-d251-4517-9a5b-12a7664e4f25	9900	0	f	2026-01-14 01:30:00+00
ec19230a-b906-405c-817b-07c5b4686baf	6f073200-aca5-4d87-9959-cbbab9a52978	2b43e13c-d251-4517-9a5b-12a7664e4f25	15800	0	f	2026-11-29 23:09:50.889976+00
d813f757-df78-4e4b-b8a5-956c5461432c	41692907-9851-4f11-9562-a347de165596	cd9685b3-472e-4821-83c7-cef38188e624	46200	12900	f	2026-11-29 23:09:50.308039+00
\.


--
-- Data for Name: returns; Type: TABLE DATA; Schema: analytics; Owner: -
--

COPY analytics.returns (return_id, purchase_id, amount_fen, returned_at) FROM stdin;
245221bb-580c-44c2-8499-3dca0e6c87ba	d813f757-df78-4e4b-b8a5-956c5461432c	12900	2026-11-29 23:09:51.120811+00
\.


--
-- Data for Name: idempotency_keys; Type: TABLE DATA; Schema: customer; Owner: -
--

COPY customer.idempotency_keys (scope, key, request_hash, status_code, response, created_at, expires_at) FROM stdin;
staff:cli-admin	signup-lilei	38621a34a051894132eb9f6de2f464cd326fdc14852336cf87fb67a2e639f1dd	201	{"id": "051b17ee-577b-4609-b02b-e0d743fa7353", "card_number": "8860000000017"}	2026-11-29 23:09:45.069967+00	2026-11-30 23:09:45.069967+00
staff:cli-admin	signup-hanmeimei	9ec601bf4123b1b050d49ca33eb4dee482a9b9ab98a13288639c8bab4959a81c	201	{"id": "41692907-9851-4f11-9562-a347de165596", "card_number": "8860000000025"}	2026-11-29 23:09:45.229389+00	2026-11-30 23:09:45.229389+00
staff:cli-admin	signup-john	6195f35e0e75ee0331b682f3847ef287ce8a1b2c1aa82ee6d9375e1307a213d2	201	{"id": "d047911b-7b3b-4341-98e4-7e96f2025039", "card_number": "8860000000033"}	2026-11-29 23:09:45.564536+00	2026-11-30 23:09:45.564536+00
staff:cli-admin	signup-oliver	738787b5379481bc45d541a8a958c63c1689021c2bcfa2f8caa68b228d799e6e	201	{"id": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "card_number": "8860000000041"}	2026-11-29 23:09:45.764734+00	2026-11-30 23:09:45.764734+00
staff:cli-admin	signup-wangfang	4629d607f1a9d1dde092e825fb0c7015eab9e0217de79a3f23af01e27ca12592	201	{"id": "6f073200-aca5-4d87-9959-cbbab9a52978", "card_number": "8860000000066"}	2026-11-29 23:09:46.396661+00	2026-11-30 23:09:46.396661+00
\.


--
-- Data for Name: members; Type: TABLE DATA; Schema: customer; Owner: -
--

COPY customer.members (id, card_serial, card_number, name, phone_encrypted, phone_hash, email_encrypted, email_hash, birthday, gender, locale, consent_sms, consent_email, store_id, created_at, updated_at) FROM stdin;
051b17ee-577b-4609-b02b-e0d743fa7353	1	8860000000017	李雷	gAAAAABrDLC5HyYRkUqDQzW-jtSX79WsfuvdOJIwtj83d4Xu5mBRdg3pFKbKvSiiw_T_rXcROMouUZLR62F84uomP3FOJOfp8w==	3ee94530307ecaa386c89d94988527a67fc7874fa731d44c38f75cdaa9442926	gAAAAABrDLC5g7dAGfduW7iHw8wfUOaxMPd32-H2WKATBudiHxbMF9_TCx5iuc57TGpNlhECZ-dulCjYgdpr4VcVsph6Jj90bsEvgxbMC5rL4e-MKIcy2og=	d52dc9b49d25c8eafefbae986ef1fb774df51fa8424afe20bc439ad8dc950733	1990-05-20	male	zh-CN	t	t	cd9685b3-472e-4821-83c7-cef38188e624	2026-11-29 23:09:45.143923+00	2026-11-29 23:09:45.143946+00
41692907-9851-4f11-9562-a347de165596	2	8860000000025	韩梅梅	gAAAAABrDLC5E2cNLatg4U_v4kc85qnH0RoEtxdyZwFbieFzinH-k6y3RA_f5R6RvyRi2oPpWtgGr0GAUfAYug5o1oJJnWOg4Q==	9dfa238d9c06378c8e1c6fc7a3039fd0cea71199a868e63372cd7c094adce4c0	gAAAAABrDLC5zaWIhEob2PaEiKFvafbpfpnZtU3hgBkiQM31xOjBxBXJXWWh7S_oXCSjvRpzCM_019UvLN4dV_v0aRtYFVbqcekuMZv3YxqMiq5iZ5Hq3Sw=	92d1374bfab407cd2582a2b072d7afed436b9c3df07b12bdef2c7579ddd78064	\N	female	zh-CN	t	t	\N	2026-11-29 23:09:45.375204+00	2026-11-29 23:09:45.37522+00
d047911b-7b3b-4341-98e4-7e96f2025039	3	8860000000033	John Smith	gAAAAABrDLC5DOqUzPoHit9jAtQy-0nTPhX6ebjLrhngXgbMqih-5iET4H6g-e-LO77dsLEl_DQAcGaXKkwKaP0kqEbh5BtAog==	26e4ddb7f0225426dd78d05ec1d646a7d2774ceea0f5df7c6a86486d5121f183	gAAAAABrDLC5sBl4wnWa-3ET_eNO_JSnaCyLlOUqUihYe8M2tA6UWvH8QXyP4Hj6lKKcwR3E1SGi2VsxxzLfrlLRiG6TQNSERss69CExwr-c0vP8gn3Vtic=	f550cd183d810d3a6441666f747cb1d2a1a228318d5bdacd08c5e577f9fa92fe	\N	\N	en	t	t	\N	2026-11-29 23:09:45.640544+00	2026-11-29 23:09:45.64056+00
f0cb0e4d-92b9-48c6-a569-ceba517123a2	4	8860000000041	Oliver Brown	gAAAAABrDLC5unOLn1icfwoJCw324anotto6a1H3bYrfETBjFSy3DsEfkptf0ePisBjkbAQ7EbNlCqDPML1yn6pg2k3FNa5CoA==	228bf6a240edbe62dae9c8ff119b490fc0314b7fbaf402cfd99ebb92303d25a5	gAAAAABrDLC5jI4EO1vIZGvjTWUVNyacC96TaaIl1uqWFwxgRA2MD03YmSN0ih2fesLrtMcaOtgJtvF3Tv9gyqGtGge-xk9JnpVc2xEA8DNFPkrk8zwlnZI=	d3d21aa247270656f904dcf973efd14d1605ec3788dfb9b52bed2791769477ec	\N	\N	en	t	f	2b43e13c-d251-4517-9a5b-12a7664e4f25	2026-11-29 23:09:45.925341+00	2026-11-29 23:09:45.92536+00
0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89	5	8860000000058		gAAAAABrDLC6NOwZm35XXNiqs_oQ-u1P07Kvsk3_0WdAgethgO9e4p8_G7Bxy6emRKfMMTv0dXXBnrVGO8trnd8SZJQb48KsAg==	67f3c99a999f54524b81b0087ca958e7476060e024ba47ff9b9e08250da20292	\N	\N	2099-01-01	\N	zh-CN	f	f	\N	2026-11-29 23:09:46.212871+00	2026-11-29 23:09:46.212885+00
6f073200-aca5-4d87-9959-cbbab9a52978	6	8860000000066	王芳	gAAAAABrDLC66g3lfFUNY8mY36v0Xz6PHcSJg803BT4VpgILD3ka8wQNPIx2fqH4YpS6XLZ4OGfFgSV2gvxY6XEKBTKmUKXyuQ==	6a1d7c3aab4a1ceb43ddf96fa91bb5a64ecae1850feda920bcb54198e6b1b60a	gAAAAABrDLC6b2OhLxRTCT3wRJgqDge8IKW1GcpiqsGESMvUtxzmQAmPKc8McJBGXkdIL5a11d8Hyajg1Sx2-d29wjWrAuzJbDzH2CNM2OysTAFGLf4HIZY=	5c43bfb6c99c1a4d9f448977894b090bba24ec2b9afdf83fb576ac700f891ee8	\N	\N	zh-CN	f	t	\N	2026-11-29 23:09:46.495767+00	2026-11-29 23:09:46.495779+00
\.


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: customer; Owner: -
--

COPY customer.outbox (seq, event_id, event_type, topic, key, envelope, created_at, published_at, partition, "offset") FROM stdin;
1	b23276c8-5724-4b90-a7b4-caeb22cae583	customer.member.registered	customer.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "b23276c8-5724-4b90-a7b4-caeb22cae583", "data": {"name": "李雷", "email": "lilei@example.com", "phone": "13800138000", "gender": "male", "locale": "zh-CN", "consent": {"sms": true, "email": true}, "birthday": "1990-05-20", "store_id": "cd9685b3-472e-4821-83c7-cef38188e624", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "phone_hash": "3ee94530307ecaa386c89d94988527a67fc7874fa731d44c38f75cdaa9442926", "card_number": "8860000000017", "registered_at": "2026-11-29T23:09:45.143923Z"}, "time": "2026-11-29T23:09:45.170632Z", "type": "customer.member.registered", "source": "/huiyuan/customer", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:45.069967+00	2026-11-29 23:09:45.213806+00	1	0
2	e47347af-0132-406c-87d7-2c84ad10d077	customer.member.registered	customer.events	41692907-9851-4f11-9562-a347de165596	{"id": "e47347af-0132-406c-87d7-2c84ad10d077", "data": {"name": "韩梅梅", "email": "hanmeimei@example.com", "phone": "13800138001", "gender": "female", "locale": "zh-CN", "consent": {"sms": true, "email": true}, "birthday": null, "store_id": null, "member_id": "41692907-9851-4f11-9562-a347de165596", "phone_hash": "9dfa238d9c06378c8e1c6fc7a3039fd0cea71199a868e63372cd7c094adce4c0", "card_number": "8860000000025", "registered_at": "2026-11-29T23:09:45.375204Z"}, "time": "2026-11-29T23:09:45.459956Z", "type": "customer.member.registered", "source": "/huiyuan/customer", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:45.229389+00	2026-11-29 23:09:45.564458+00	0	0
3	9f5487dc-5da6-4aae-a51d-19d64b607397	customer.member.registered	customer.events	d047911b-7b3b-4341-98e4-7e96f2025039	{"id": "9f5487dc-5da6-4aae-a51d-19d64b607397", "data": {"name": "John Smith", "email": "john.smith@example.com", "phone": "13125550147", "gender": null, "locale": "en", "consent": {"sms": true, "email": true}, "birthday": null, "store_id": null, "member_id": "d047911b-7b3b-4341-98e4-7e96f2025039", "phone_hash": "26e4ddb7f0225426dd78d05ec1d646a7d2774ceea0f5df7c6a86486d5121f183", "card_number": "8860000000033", "registered_at": "2026-11-29T23:09:45.640544Z"}, "time": "2026-11-29T23:09:45.702899Z", "type": "customer.member.registered", "source": "/huiyuan/customer", "subject": "d047911b-7b3b-4341-98e4-7e96f2025039", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:45.564536+00	2026-11-29 23:09:45.743276+00	0	1
4	78ae4524-a23b-4fff-a3b7-bc2c0e4235f5	customer.member.registered	customer.events	f0cb0e4d-92b9-48c6-a569-ceba517123a2	{"id": "78ae4524-a23b-4fff-a3b7-bc2c0e4235f5", "data": {"name": "Oliver Brown", "email": "oliver@example.co.uk", "phone": "447700900123", "gender": null, "locale": "en", "consent": {"sms": true, "email": false}, "birthday": null, "store_id": "2b43e13c-d251-4517-9a5b-12a7664e4f25", "member_id": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "phone_hash": "228bf6a240edbe62dae9c8ff119b490fc0314b7fbaf402cfd99ebb92303d25a5", "card_number": "8860000000041", "registered_at": "2026-11-29T23:09:45.925341Z"}, "time": "2026-11-29T23:09:46.024104Z", "type": "customer.member.registered", "source": "/huiyuan/customer", "subject": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:45.764734+00	2026-11-29 23:09:46.094472+00	2	0
5	3259dea3-08bd-4a2a-b32f-73ad634b27cd	customer.member.registered	customer.events	0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89	{"id": "3259dea3-08bd-4a2a-b32f-73ad634b27cd", "data": {"name": "", "email": null, "phone": "13900001111", "gender": null, "locale": "zh-CN", "consent": {"sms": false, "email": false}, "birthday": "2099-01-01", "store_id": null, "member_id": "0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89", "phone_hash": "67f3c99a999f54524b81b0087ca958e7476060e024ba47ff9b9e08250da20292", "card_number": "8860000000058", "registered_at": "2026-11-29T23:09:46.212871Z"}, "time": "2026-11-29T23:09:46.333806Z", "type": "customer.member.registered", "source": "/huiyuan/customer", "subject": "0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:46.136276+00	2026-11-29 23:09:46.354122+00	2	1
6	a2bc4a73-b34f-493c-a6e6-ad173ec8235a	customer.member.registered	customer.events	6f073200-aca5-4d87-9959-cbbab9a52978	{"id": "a2bc4a73-b34f-493c-a6e6-ad173ec8235a", "data": {"name": "王芳", "email": "WangFang@example.com", "phone": "13900002222", "gender": null, "locale": "zh-CN", "consent": {"sms": false, "email": true}, "birthday": null, "store_id": null, "member_id": "6f073200-aca5-4d87-9959-cbbab9a52978", "phone_hash": "6a1d7c3aab4a1ceb43ddf96fa91bb5a64ecae1850feda920bcb54198e6b1b60a", "card_number": "8860000000066", "registered_at": "2026-11-29T23:09:46.495767Z"}, "time": "2026-11-29T23:09:46.537621Z", "type": "customer.member.registered", "source": "/huiyuan/customer", "subject": "6f073200-aca5-4d87-9959-cbbab9a52978", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:46.396661+00	2026-11-29 23:09:46.574081+00	2	2
\.


--
-- Data for Name: accounts; Type: TABLE DATA; Schema: loyalty; Owner: -
--

COPY loyalty.accounts (member_id, tier_code, balance, qualifying_spend_fen, version, created_at, updated_at) FROM stdin;
0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89	standard	0	0	1	2026-11-29 23:09:46.472025+00	2026-11-29 23:09:46.472025+00
d047911b-7b3b-4341-98e4-7e96f2025039	standard	199	19900	2	2026-11-29 23:09:45.834718+00	2026-11-29 23:09:50.468232+00
f0cb0e4d-92b9-48c6-a569-ceba517123a2	standard	99	9900	2	2026-11-29 23:09:46.184714+00	2026-11-29 23:09:51.009111+00
6f073200-aca5-4d87-9959-cbbab9a52978	standard	158	15800	2	2026-11-29 23:09:46.70678+00	2026-11-29 23:09:51.009111+00
41692907-9851-4f11-9562-a347de165596	standard	509	50900	5	2026-11-29 23:09:45.60479+00	2026-11-29 23:09:51.23292+00
051b17ee-577b-4609-b02b-e0d743fa7353	vip	814	131400	4	2026-11-29 23:09:45.253077+00	2026-11-29 23:09:56.086178+00
\.


--
-- Data for Name: dead_letters; Type: TABLE DATA; Schema: loyalty; Owner: -
--

COPY loyalty.dead_letters (id, event_id, event_type, topic, partition, "offset", payload, error, attempts, parked_at, replayed_at) FROM stdin;
\.


--
-- Data for Name: earning_rule; Type: TABLE DATA; Schema: loyalty; Owner: -
--

COPY loyalty.earning_rule (id, points_per_yuan, tier_multipliers_percent, updated_at) FROM stdin;
1	1	{"vip": 120, "star": 150, "angel": 200, "standard": 100}	2026-11-29 23:09:35.27323+00
\.


--
-- Data for Name: idempotency_keys; Type: TABLE DATA; Schema: loyalty; Owner: -
--

COPY loyalty.idempotency_keys (scope, key, request_hash, status_code, response, created_at, expires_at) FROM stdin;
member:051b17ee-577b-4609-b02b-e0d743fa7353	redeem-lilei-1	e612685282ce9897d3558d6469460e545043ce66e7b71d71c58ab46876b445f9	201	{"redemption_id": "e8fd5fd9-3c8b-413f-8615-f470c3f89341", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "entry_id": "753ab4c9-c54b-44a4-9b9b-e9823430de72", "points": 500, "balance": 814, "reason": "\\u5151\\u6362\\u8033\\u673a", "created_at": "2026-11-29T23:09:56.094025Z"}	2026-11-29 23:09:56.086178+00	2026-11-30 23:09:56.086178+00
\.


--
-- Data for Name: inbox; Type: TABLE DATA; Schema: loyalty; Owner: -
--

COPY loyalty.inbox (event_id, event_type, processed_at) FROM stdin;
b23276c8-5724-4b90-a7b4-caeb22cae583	customer.member.registered	2026-11-29 23:09:45.253077+00
e47347af-0132-406c-87d7-2c84ad10d077	customer.member.registered	2026-11-29 23:09:45.60479+00
9f5487dc-5da6-4aae-a51d-19d64b607397	customer.member.registered	2026-11-29 23:09:45.834718+00
78ae4524-a23b-4fff-a3b7-bc2c0e4235f5	customer.member.registered	2026-11-29 23:09:46.184714+00
3259dea3-08bd-4a2a-b32f-73ad634b27cd	customer.member.registered	2026-11-29 23:09:46.472025+00
a2bc4a73-b34f-493c-a6e6-ad173ec8235a	customer.member.registered	2026-11-29 23:09:46.70678+00
8fcdc0d3-18df-40f0-90ad-22a06f02c0cd	orders.purchase.completed	2026-11-29 23:09:49.399245+00
6e4599f5-d628-45a9-affe-093a69992dd5	orders.purchase.completed	2026-11-29 23:09:49.9202+00
b58f2df1-9dcb-42de-9c09-22cbdac12f70	orders.purchase.completed	2026-11-29 23:09:50.403273+00
e9fe0abb-55da-44fe-9691-914ef047a714	orders.purchase.completed	2026-11-29 23:09:50.468232+00
b0da237a-195c-4f09-8ec9-d671b1913ca4	orders.purchase.completed	2026-11-29 23:09:50.653074+00
419641da-2afa-47f1-8035-09f2b5146a15	orders.purchase.completed	2026-11-29 23:09:50.822427+00
b805d3e7-8cb9-495f-b2ea-bbea1f432195	orders.purchase.completed	2026-11-29 23:09:51.009111+00
56369269-0393-47c1-afeb-64a5de75b3ac	orders.purchase.completed	2026-11-29 23:09:51.009111+00
3c547549-fa93-468a-9611-33f1a9a9686c	orders.purchase.returned	2026-11-29 23:09:51.23292+00
\.


--
-- Data for Name: purchases; Type: TABLE DATA; Schema: loyalty; Owner: -
--

COPY loyalty.purchases (purchase_id, member_id, total_fen, points_earned, points_reversed, returned_fen, created_at, tier_code) FROM stdin;
48d48151-29fb-4db7-bfb1-1d65e03655b1	051b17ee-577b-4609-b02b-e0d743fa7353	51600	516	0	0	2026-11-29 23:09:49.399245+00	standard
057e40e3-7fe1-4b72-9f95-4d777e7d3b2d	051b17ee-577b-4609-b02b-e0d743fa7353	79800	798	0	0	2026-11-29 23:09:49.9202+00	standard
659f4fa3-bf3d-4b92-99a5-2d3d854ea96b	d047911b-7b3b-4341-98e4-7e96f2025039	19900	199	0	0	2026-11-29 23:09:50.468232+00	standard
aa6e2891-41ed-4982-8ed3-db9b6b86dd45	41692907-9851-4f11-9562-a347de165596	8800	88	0	0	2026-11-29 23:09:50.653074+00	standard
395e035e-038c-48d0-8941-5f2efe22a61a	41692907-9851-4f11-9562-a347de165596	8800	88	0	0	2026-11-29 23:09:50.822427+00	standard
f5c7408f-fb76-49cd-bdf3-79f46df5ca9c	f0cb0e4d-92b9-48c6-a569-ceba517123a2	9900	99	0	0	2026-11-29 23:09:51.009111+00	standard
ec19230a-b906-405c-817b-07c5b4686baf	6f073200-aca5-4d87-9959-cbbab9a52978	15800	158	0	0	2026-11-29 23:09:51.009111+00	standard
d813f757-df78-4e4b-b8a5-956c5461432c	41692907-9851-4f11-9562-a347de165596	46200	462	129	12900	2026-11-29 23:09:50.403273+00	standard
\.


--
-- Data for Name: ledger_entries; Type: TABLE DATA; Schema: loyalty; Owner: -
--

COPY loyalty.ledger_entries (id, seq, member_id, kind, points, balance_after, shortfall, purchase_id, return_id, redemption_id, event_id, reason, created_at) FROM stdin;
c0c1526f-34a0-4bd9-8cbf-3c4169a610cc	1	051b17ee-577b-4609-b02b-e0d743fa7353	earn	516	516	0	48d48151-29fb-4db7-bfb1-1d65e03655b1	\N	\N	8fcdc0d3-18df-40f0-90ad-22a06f02c0cd	\N	2026-11-29 23:09:49.449241+00
1833e157-f55c-4a43-ae26-b79b1eb2f77a	2	051b17ee-577b-4609-b02b-e0d743fa7353	earn	798	1314	0	057e40e3-7fe1-4b72-9f95-4d777e7d3b2d	\N	\N	6e4599f5-d628-45a9-affe-093a69992dd5	\N	2026-11-29 23:09:49.95173+00
d2b4d425-4a7f-47c4-833a-2cc0ed2bd0ea	3	41692907-9851-4f11-9562-a347de165596	earn	462	462	0	d813f757-df78-4e4b-b8a5-956c5461432c	\N	\N	b58f2df1-9dcb-42de-9c09-22cbdac12f70	\N	2026-11-29 23:09:50.441322+00
0816926b-e63f-47ee-aa62-0b10574a4e83	4	d047911b-7b3b-4341-98e4-7e96f2025039	earn	199	199	0	659f4fa3-bf3d-4b92-99a5-2d3d854ea96b	\N	\N	e9fe0abb-55da-44fe-9691-914ef047a714	\N	2026-11-29 23:09:50.496639+00
96364cc6-cb9e-4d71-a4db-d4251fc49c3e	5	41692907-9851-4f11-9562-a347de165596	earn	88	550	0	aa6e2891-41ed-4982-8ed3-db9b6b86dd45	\N	\N	b0da237a-195c-4f09-8ec9-d671b1913ca4	\N	2026-11-29 23:09:50.685715+00
142e94ee-8c4e-44c2-80c7-c9a920936a84	6	41692907-9851-4f11-9562-a347de165596	earn	88	638	0	395e035e-038c-48d0-8941-5f2efe22a61a	\N	\N	419641da-2afa-47f1-8035-09f2b5146a15	\N	2026-11-29 23:09:50.846758+00
4502f072-7c5f-4bc7-843f-65e6b1b07045	7	f0cb0e4d-92b9-48c6-a569-ceba517123a2	earn	99	99	0	f5c7408f-fb76-49cd-bdf3-79f46df5ca9c	\N	\N	b805d3e7-8cb9-495f-b2ea-bbea1f432195	\N	2026-11-29 23:09:51.04335+00
a96544c1-7c5d-42f6-ac03-15b9d5b2b177	8	6f073200-aca5-4d87-9959-cbbab9a52978	earn	158	158	0	ec19230a-b906-405c-817b-07c5b4686baf	\N	\N	56369269-0393-47c1-afeb-64a5de75b3ac	\N	2026-11-29 23:09:51.077377+00
d5e3bf4b-79cb-4242-8fa8-a6bede09e82f	9	41692907-9851-4f11-9562-a347de165596	reverse	-129	509	0	d813f757-df78-4e4b-b8a5-956c5461432c	245221bb-580c-44c2-8499-3dca0e6c87ba	\N	3c547549-fa93-468a-9611-33f1a9a9686c	\N	2026-11-29 23:09:51.344394+00
753ab4c9-c54b-44a4-9b9b-e9823430de72	10	051b17ee-577b-4609-b02b-e0d743fa7353	redeem	-500	814	0	\N	\N	e8fd5fd9-3c8b-413f-8615-f470c3f89341	\N	兑换耳机	2026-11-29 23:09:56.094025+00
\.


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: loyalty; Owner: -
--

COPY loyalty.outbox (seq, event_id, event_type, topic, key, envelope, created_at, published_at, partition, "offset") FROM stdin;
1	50632ba3-cdc2-4b97-a5d7-3808dd8c388c	loyalty.points.earned	loyalty.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "50632ba3-cdc2-4b97-a5d7-3808dd8c388c", "data": {"points": 516, "balance": 516, "entry_id": "c0c1526f-34a0-4bd9-8cbf-3c4169a610cc", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "purchase_id": "48d48151-29fb-4db7-bfb1-1d65e03655b1"}, "time": "2026-11-29T23:09:49.458941Z", "type": "loyalty.points.earned", "source": "/huiyuan/loyalty", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:49.399245+00	2026-11-29 23:09:49.486439+00	1	0
2	01a81271-32e9-4dce-b5db-1b373406c0b9	loyalty.points.earned	loyalty.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "01a81271-32e9-4dce-b5db-1b373406c0b9", "data": {"points": 798, "balance": 1314, "entry_id": "1833e157-f55c-4a43-ae26-b79b1eb2f77a", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "purchase_id": "057e40e3-7fe1-4b72-9f95-4d777e7d3b2d"}, "time": "2026-11-29T23:09:49.954594Z", "type": "loyalty.points.earned", "source": "/huiyuan/loyalty", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:49.9202+00	2026-11-29 23:09:49.975195+00	1	1
3	32d57a0d-35b5-4176-8ed4-7b56daacb701	loyalty.tier.changed	loyalty.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "32d57a0d-35b5-4176-8ed4-7b56daacb701", "data": {"to_tier": "vip", "direction": "up", "from_tier": "standard", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "to_tier_name": "VIP贵宾", "qualifying_spend_fen": 131400}, "time": "2026-11-29T23:09:49.954635Z", "type": "loyalty.tier.changed", "source": "/huiyuan/loyalty", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:49.9202+00	2026-11-29 23:09:49.975195+00	1	2
4	5abc5387-346b-4227-bf56-13e2f28cb925	loyalty.points.earned	loyalty.events	41692907-9851-4f11-9562-a347de165596	{"id": "5abc5387-346b-4227-bf56-13e2f28cb925", "data": {"points": 462, "balance": 462, "entry_id": "d2b4d425-4a7f-47c4-833a-2cc0ed2bd0ea", "member_id": "41692907-9851-4f11-9562-a347de165596", "purchase_id": "d813f757-df78-4e4b-b8a5-956c5461432c"}, "time": "2026-11-29T23:09:50.443469Z", "type": "loyalty.points.earned", "source": "/huiyuan/loyalty", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.403273+00	2026-11-29 23:09:50.455295+00	0	0
5	5f3c0ac2-c95d-448d-b1c3-aa0dd51bc9d5	loyalty.points.earned	loyalty.events	d047911b-7b3b-4341-98e4-7e96f2025039	{"id": "5f3c0ac2-c95d-448d-b1c3-aa0dd51bc9d5", "data": {"points": 199, "balance": 199, "entry_id": "0816926b-e63f-47ee-aa62-0b10574a4e83", "member_id": "d047911b-7b3b-4341-98e4-7e96f2025039", "purchase_id": "659f4fa3-bf3d-4b92-99a5-2d3d854ea96b"}, "time": "2026-11-29T23:09:50.497223Z", "type": "loyalty.points.earned", "source": "/huiyuan/loyalty", "subject": "d047911b-7b3b-4341-98e4-7e96f2025039", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.468232+00	2026-11-29 23:09:50.505602+00	0	1
6	ce45e419-48d0-41bf-97e7-3801c712d0fb	loyalty.points.earned	loyalty.events	41692907-9851-4f11-9562-a347de165596	{"id": "ce45e419-48d0-41bf-97e7-3801c712d0fb", "data": {"points": 88, "balance": 550, "entry_id": "96364cc6-cb9e-4d71-a4db-d4251fc49c3e", "member_id": "41692907-9851-4f11-9562-a347de165596", "purchase_id": "aa6e2891-41ed-4982-8ed3-db9b6b86dd45"}, "time": "2026-11-29T23:09:50.706558Z", "type": "loyalty.points.earned", "source": "/huiyuan/loyalty", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.653074+00	2026-11-29 23:09:50.737499+00	0	2
8	4ec0d804-afd7-4656-9d47-33f96b4ed56d	loyalty.points.earned	loyalty.events	f0cb0e4d-92b9-48c6-a569-ceba517123a2	{"id": "4ec0d804-afd7-4656-9d47-33f96b4ed56d", "data": {"points": 99, "balance": 99, "entry_id": "4502f072-7c5f-4bc7-843f-65e6b1b07045", "member_id": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "purchase_id": "f5c7408f-fb76-49cd-bdf3-79f46df5ca9c"}, "time": "2026-11-29T23:09:51.048998Z", "type": "loyalty.points.earned", "source": "/huiyuan/loyalty", "subject": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:51.009111+00	2026-11-29 23:09:51.108775+00	2	0
9	4f94d53b-953b-4476-9d47-9f04df8a6176	loyalty.points.earned	loyalty.events	6f073200-aca5-4d87-9959-cbbab9a52978	{"id": "4f94d53b-953b-4476-9d47-9f04df8a6176", "data": {"points": 158, "balance": 158, "entry_id": "a96544c1-7c5d-42f6-ac03-15b9d5b2b177", "member_id": "6f073200-aca5-4d87-9959-cbbab9a52978", "purchase_id": "ec19230a-b906-405c-817b-07c5b4686baf"}, "time": "2026-11-29T23:09:51.082082Z", "type": "loyalty.points.earned", "source": "/huiyuan/loyalty", "subject": "6f073200-aca5-4d87-9959-cbbab9a52978", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:51.009111+00	2026-11-29 23:09:51.108775+00	2	1
7	3f5890a6-0aaa-44a2-965a-71e8bfeb4484	loyalty.points.earned	loyalty.events	41692907-9851-4f11-9562-a347de165596	{"id": "3f5890a6-0aaa-44a2-965a-71e8bfeb4484", "data": {"points": 88, "balance": 638, "entry_id": "142e94ee-8c4e-44c2-80c7-c9a920936a84", "member_id": "41692907-9851-4f11-9562-a347de165596", "purchase_id": "395e035e-038c-48d0-8941-5f2efe22a61a"}, "time": "2026-11-29T23:09:50.847310Z", "type": "loyalty.points.earned", "source": "/huiyuan/loyalty", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.822427+00	2026-11-29 23:09:50.868322+00	0	3
10	a5e095c1-028d-4900-b74a-003e192b575a	loyalty.points.reversed	loyalty.events	41692907-9851-4f11-9562-a347de165596	{"id": "a5e095c1-028d-4900-b74a-003e192b575a", "data": {"points": 129, "balance": 509, "entry_id": "d5e3bf4b-79cb-4242-8fa8-a6bede09e82f", "member_id": "41692907-9851-4f11-9562-a347de165596", "return_id": "245221bb-580c-44c2-8499-3dca0e6c87ba", "purchase_id": "d813f757-df78-4e4b-b8a5-956c5461432c"}, "time": "2026-11-29T23:09:51.400463Z", "type": "loyalty.points.reversed", "source": "/huiyuan/loyalty", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:51.23292+00	2026-11-29 23:09:51.415577+00	0	4
11	19809d95-a954-40b5-b9b3-d62685ebb1ae	loyalty.points.redeemed	loyalty.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "19809d95-a954-40b5-b9b3-d62685ebb1ae", "data": {"points": 500, "reason": "兑换耳机", "balance": 814, "entry_id": "753ab4c9-c54b-44a4-9b9b-e9823430de72", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "redemption_id": "e8fd5fd9-3c8b-413f-8615-f470c3f89341"}, "time": "2026-11-29T23:09:56.100908Z", "type": "loyalty.points.redeemed", "source": "/huiyuan/loyalty", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:56.086178+00	2026-11-29 23:09:56.10735+00	1	3
\.


--
-- Data for Name: tiers; Type: TABLE DATA; Schema: loyalty; Owner: -
--

COPY loyalty.tiers (code, name, threshold_fen, benefits) FROM stdin;
standard	普通会员	0	生日礼物
vip	VIP贵宾	100000	95折
star	VIP健康之星	500000	9折, 优先服务
angel	VIP健康天使	2000000	85折
\.


--
-- Data for Name: contacts; Type: TABLE DATA; Schema: messaging; Owner: -
--

COPY messaging.contacts (member_id, name, locale, phone_encrypted, email_encrypted, consent_sms, consent_email, updated_at) FROM stdin;
051b17ee-577b-4609-b02b-e0d743fa7353	李雷	zh-CN	gAAAAABrDLC5-UvDysuJyRn_C7_hq1u0AiUucc7519pR_0siLtCg3n9fxyZylSQxNKFq2UEwAZvUCHt5BG72LhG63wb5qbYBIQ==	gAAAAABrDLC52Qyig9wyWyvUNmVBfo4tTfmy5j9CtTCQLqOFeCHvpUh8Qv6dRzXNqScLSyq9R22aQ8cUv2GgT9G3BXzj02W_Z-HIzmRZD1Qtmo2eB_mugjg=	t	t	2026-11-29 23:09:45.143923+00
41692907-9851-4f11-9562-a347de165596	韩梅梅	zh-CN	gAAAAABrDLC67eZ4bk8wxG5-wkG3D50gzTOVj3mvQaHOqnSNsU0q8v0sm21ngKe_Q53cVreXN_KlQ_rA9po25HCYykUTEWA5VQ==	gAAAAABrDLC6goznt1H2e9CsV37mv5RKT2VdO2m4whrKxHzXFlmZrXZosLd35zyfAtTk1FPOqwkKvmd1WfvZO9j_bbFGrSlcW-m8Xqr74VNYD3VikTjzkfg=	t	t	2026-11-29 23:09:45.375204+00
d047911b-7b3b-4341-98e4-7e96f2025039	John Smith	en	gAAAAABrDLC6Hr_x4AYusQkcg1T1kpMywHlXIiZ4NjJaka0LFrxFEvOFMta9_KEZSdcszyQQ_T3kU9bWBaj5Kiz_9nfkUWF0dw==	gAAAAABrDLC6TweU3KJKVDHfqpWQ83qVNQKdXoy2-tpBTKIPlckbLhEvxzAr1Xv8TbVK3X5cJUvA8pKlRNGPN2YY6cCAnLMexMhabzknMhvxeHc7luSIMKY=	t	t	2026-11-29 23:09:45.640544+00
f0cb0e4d-92b9-48c6-a569-ceba517123a2	Oliver Brown	en	gAAAAABrDLC6Rw2xE1dBeQmtQuOOeXcLw00enXinLft62hy_B9NKynvSyDM8RhnlK7v2UTc7TtY9DsUIwoVPLlS95fJwwvFtAg==	gAAAAABrDLC6eHD6PNpdI4w14R64qpOYDhgDOlFqc3RHLElCs2FsCOW0AHTDhNKDseUC-_ng1zwn8gljWVXE8xFU6nN8kHLlMQSBxHKr3HiAIqHJUNDgeE4=	t	f	2026-11-29 23:09:45.925341+00
0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89		zh-CN	gAAAAABrDLC6C72Bs24ycO8474dCDk4iJwgpdpLeGUnsUN7gW-WsiHZa0vbLdjSOPjqYXbZR1HvX5MQZ0EX5U-j3siP-PjQn1A==	\N	f	f	2026-11-29 23:09:46.212871+00
6f073200-aca5-4d87-9959-cbbab9a52978	王芳	zh-CN	gAAAAABrDLC7bAIFFaBQRIOlhN4Fp6ENrrhpG0ErbdZM9ywN-e8aKeHNp4LbGwNAGhbwWK0oWvjS4TeVh2cqIKHoW9h2ymlYLg==	gAAAAABrDLC7TiK0CSo5-3kDfCK3OrIX3MhRIEqOPMk2vs0KRRUKiqZ09FcorRnB_WydhxgnAOguz8fSkMW30QwMcYOJg4mSp1fvSeJKcV73AsRxAfRGpJ0=	f	t	2026-11-29 23:09:46.495767+00
\.


--
-- Data for Name: dead_letters; Type: TABLE DATA; Schema: messaging; Owner: -
--

COPY messaging.dead_letters (id, event_id, event_type, topic, partition, "offset", payload, error, attempts, parked_at, replayed_at) FROM stdin;
\.


--
-- Data for Name: inbox; Type: TABLE DATA; Schema: messaging; Owner: -
--

COPY messaging.inbox (event_id, event_type, processed_at) FROM stdin;
b23276c8-5724-4b90-a7b4-caeb22cae583	customer.member.registered	2026-11-29 23:09:45.291698+00
e47347af-0132-406c-87d7-2c84ad10d077	customer.member.registered	2026-11-29 23:09:46.107874+00
9f5487dc-5da6-4aae-a51d-19d64b607397	customer.member.registered	2026-11-29 23:09:46.394435+00
78ae4524-a23b-4fff-a3b7-bc2c0e4235f5	customer.member.registered	2026-11-29 23:09:46.394435+00
3259dea3-08bd-4a2a-b32f-73ad634b27cd	customer.member.registered	2026-11-29 23:09:46.763457+00
a2bc4a73-b34f-493c-a6e6-ad173ec8235a	customer.member.registered	2026-11-29 23:09:47.092196+00
50632ba3-cdc2-4b97-a5d7-3808dd8c388c	loyalty.points.earned	2026-11-29 23:09:49.508454+00
01a81271-32e9-4dce-b5db-1b373406c0b9	loyalty.points.earned	2026-11-29 23:09:49.985508+00
32d57a0d-35b5-4176-8ed4-7b56daacb701	loyalty.tier.changed	2026-11-29 23:09:49.985508+00
5abc5387-346b-4227-bf56-13e2f28cb925	loyalty.points.earned	2026-11-29 23:09:50.474979+00
5f3c0ac2-c95d-448d-b1c3-aa0dd51bc9d5	loyalty.points.earned	2026-11-29 23:09:50.532223+00
ce45e419-48d0-41bf-97e7-3801c712d0fb	loyalty.points.earned	2026-11-29 23:09:50.7731+00
3f5890a6-0aaa-44a2-965a-71e8bfeb4484	loyalty.points.earned	2026-11-29 23:09:50.907824+00
4ec0d804-afd7-4656-9d47-33f96b4ed56d	loyalty.points.earned	2026-11-29 23:09:51.145534+00
4f94d53b-953b-4476-9d47-9f04df8a6176	loyalty.points.earned	2026-11-29 23:09:51.145534+00
\.


--
-- Data for Name: notifications; Type: TABLE DATA; Schema: messaging; Owner: -
--

COPY messaging.notifications (id, member_id, channel, template, trigger_event_id, status, recipient_encrypted, recipient_masked, subject, body, attempts, next_attempt_at, provider_message_id, provider_response, error, created_at, sent_at) FROM stdin;
017a0a88-03d5-4be2-9bd4-7ac9b1e937c9	f0cb0e4d-92b9-48c6-a569-ceba517123a2	email	welcome	78ae4524-a23b-4fff-a3b7-bc2c0e4235f5	suppressed	\N	o****@example.co.uk	\N	\N	0	2026-11-29 23:09:46.569988+00	\N	\N	member has not consented to email	2026-11-29 23:09:46.569988+00	\N
703d6e0b-2afc-44ed-b740-14d64a79c2f0	051b17ee-577b-4609-b02b-e0d743fa7353	email	welcome	b23276c8-5724-4b90-a7b4-caeb22cae583	sent	gAAAAABrDLC52Qyig9wyWyvUNmVBfo4tTfmy5j9CtTCQLqOFeCHvpUh8Qv6dRzXNqScLSyq9R22aQ8cUv2GgT9G3BXzj02W_Z-HIzmRZD1Qtmo2eB_mugjg=	l****@example.com	欢迎加入会员，李雷！	李雷，您好：\n\n欢迎加入我们的会员计划！您的会员卡号是 8860000000017。\n\n每次消费都可以累积积分，积分可用于兑换礼品和优惠；消费累计越多，会员等级越高，专属权益也越多。\n\n期待很快再见到您！\n\n会员服务团队\n	1	2026-11-29 23:09:45.494527+00	<703d6e0b-2afc-44ed-b740-14d64a79c2f0@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:45.494527+00	2026-11-29 23:09:46.613656+00
9b67d25a-f553-416e-9492-38a0724d2a11	051b17ee-577b-4609-b02b-e0d743fa7353	sms	welcome	b23276c8-5724-4b90-a7b4-caeb22cae583	sent	gAAAAABrDLC5-UvDysuJyRn_C7_hq1u0AiUucc7519pR_0siLtCg3n9fxyZylSQxNKFq2UEwAZvUCHt5BG72LhG63wb5qbYBIQ==	138****8000	\N	李雷，欢迎加入会员！您的会员卡号 8860000000017，消费即可累积积分。退订回T	1	2026-11-29 23:09:45.494527+00	0b8d3782781f4ec49afbee457372399d	{"status": "accepted", "cost_fen": 10, "segments": 1, "message_id": "0b8d3782781f4ec49afbee457372399d"}	\N	2026-11-29 23:09:45.494527+00	2026-11-29 23:09:46.613656+00
14093890-b20f-4299-a37d-045d86a4e510	0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89	email	welcome	3259dea3-08bd-4a2a-b32f-73ad634b27cd	suppressed	\N	\N	\N	\N	0	2026-11-29 23:09:46.907386+00	\N	\N	member has not consented to email	2026-11-29 23:09:46.907386+00	\N
12a49fe8-e7b4-4475-ad6a-f7f95dbfbae1	0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89	sms	welcome	3259dea3-08bd-4a2a-b32f-73ad634b27cd	suppressed	\N	139****1111	\N	\N	0	2026-11-29 23:09:46.907386+00	\N	\N	member has not consented to sms	2026-11-29 23:09:46.907386+00	\N
417d2644-4987-4f61-af0f-1cfe70c12108	41692907-9851-4f11-9562-a347de165596	email	welcome	e47347af-0132-406c-87d7-2c84ad10d077	sent	gAAAAABrDLC6goznt1H2e9CsV37mv5RKT2VdO2m4whrKxHzXFlmZrXZosLd35zyfAtTk1FPOqwkKvmd1WfvZO9j_bbFGrSlcW-m8Xqr74VNYD3VikTjzkfg=	h****@example.com	欢迎加入会员，韩梅梅！	韩梅梅，您好：\n\n欢迎加入我们的会员计划！您的会员卡号是 8860000000025。\n\n每次消费都可以累积积分，积分可用于兑换礼品和优惠；消费累计越多，会员等级越高，专属权益也越多。\n\n期待很快再见到您！\n\n会员服务团队\n	1	2026-11-29 23:09:46.275649+00	<417d2644-4987-4f61-af0f-1cfe70c12108@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:46.275649+00	2026-11-29 23:09:47.042186+00
757c9f67-0b24-4374-a1fb-0227c247c69c	41692907-9851-4f11-9562-a347de165596	sms	welcome	e47347af-0132-406c-87d7-2c84ad10d077	sent	gAAAAABrDLC67eZ4bk8wxG5-wkG3D50gzTOVj3mvQaHOqnSNsU0q8v0sm21ngKe_Q53cVreXN_KlQ_rA9po25HCYykUTEWA5VQ==	138****8001	\N	韩梅梅，欢迎加入会员！您的会员卡号 8860000000025，消费即可累积积分。退订回T	1	2026-11-29 23:09:46.275649+00	4703cbe1f28a452fbdbba8b754c37d05	{"status": "accepted", "cost_fen": 10, "segments": 1, "message_id": "4703cbe1f28a452fbdbba8b754c37d05"}	\N	2026-11-29 23:09:46.275649+00	2026-11-29 23:09:47.042186+00
0adfc464-fb8f-425c-b3d8-ebc4db0ec1df	d047911b-7b3b-4341-98e4-7e96f2025039	email	welcome	9f5487dc-5da6-4aae-a51d-19d64b607397	sent	gAAAAABrDLC6TweU3KJKVDHfqpWQ83qVNQKdXoy2-tpBTKIPlckbLhEvxzAr1Xv8TbVK3X5cJUvA8pKlRNGPN2YY6cCAnLMexMhabzknMhvxeHc7luSIMKY=	j****@example.com	Welcome to the club, John Smith!	Hi John Smith,\n\nWelcome to our membership programme! Your card number is 8860000000033.\n\nEvery purchase earns you points you can exchange for gifts and offers, and the more you shop, the higher your tier and the better your benefits.\n\nWe look forward to seeing you soon!\n\nThe Membership Team\n	1	2026-11-29 23:09:46.468982+00	<0adfc464-fb8f-425c-b3d8-ebc4db0ec1df@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:46.468982+00	2026-11-29 23:09:47.042186+00
2853de9f-b7fd-479f-939b-47f31709ae1a	d047911b-7b3b-4341-98e4-7e96f2025039	sms	welcome	9f5487dc-5da6-4aae-a51d-19d64b607397	sent	gAAAAABrDLC6Hr_x4AYusQkcg1T1kpMywHlXIiZ4NjJaka0LFrxFEvOFMta9_KEZSdcszyQQ_T3kU9bWBaj5Kiz_9nfkUWF0dw==	131****0147	\N	Welcome, John Smith! Your member card number is 8860000000033. Every purchase earns points. Reply STOP to opt out.	1	2026-11-29 23:09:46.468982+00	dbf1f1a624d744ef93b047e2d833f3db	{"status": "accepted", "cost_fen": 20, "segments": 2, "message_id": "dbf1f1a624d744ef93b047e2d833f3db"}	\N	2026-11-29 23:09:46.468982+00	2026-11-29 23:09:47.042186+00
aa9332a5-4604-4bb1-b450-92b69cde0528	f0cb0e4d-92b9-48c6-a569-ceba517123a2	sms	welcome	78ae4524-a23b-4fff-a3b7-bc2c0e4235f5	sent	gAAAAABrDLC6Rw2xE1dBeQmtQuOOeXcLw00enXinLft62hy_B9NKynvSyDM8RhnlK7v2UTc7TtY9DsUIwoVPLlS95fJwwvFtAg==	447*****0123	\N	Welcome, Oliver Brown! Your member card number is 8860000000041. Every purchase earns points. Reply STOP to opt out.	1	2026-11-29 23:09:46.569988+00	657fa40972534e9f8dfe9f12ac5a4676	{"status": "accepted", "cost_fen": 20, "segments": 2, "message_id": "657fa40972534e9f8dfe9f12ac5a4676"}	\N	2026-11-29 23:09:46.569988+00	2026-11-29 23:09:47.042186+00
79dbecb3-16d7-46f0-8c4f-2adaf3c4909f	6f073200-aca5-4d87-9959-cbbab9a52978	sms	welcome	a2bc4a73-b34f-493c-a6e6-ad173ec8235a	suppressed	\N	139****2222	\N	\N	0	2026-11-29 23:09:47.120713+00	\N	\N	member has not consented to sms	2026-11-29 23:09:47.120713+00	\N
8c7f6acf-7e5e-4465-91d6-ba6d49089f92	6f073200-aca5-4d87-9959-cbbab9a52978	email	welcome	a2bc4a73-b34f-493c-a6e6-ad173ec8235a	sent	gAAAAABrDLC7TiK0CSo5-3kDfCK3OrIX3MhRIEqOPMk2vs0KRRUKiqZ09FcorRnB_WydhxgnAOguz8fSkMW30QwMcYOJg4mSp1fvSeJKcV73AsRxAfRGpJ0=	W****@example.com	欢迎加入会员，王芳！	王芳，您好：\n\n欢迎加入我们的会员计划！您的会员卡号是 8860000000066。\n\n每次消费都可以累积积分，积分可用于兑换礼品和优惠；消费累计越多，会员等级越高，专属权益也越多。\n\n期待很快再见到您！\n\n会员服务团队\n	1	2026-11-29 23:09:47.120713+00	<8c7f6acf-7e5e-4465-91d6-ba6d49089f92@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:47.120713+00	2026-11-29 23:09:47.224766+00
71865c1d-237a-4fda-95c7-d1e51182e8a1	051b17ee-577b-4609-b02b-e0d743fa7353	email	points_earned	50632ba3-cdc2-4b97-a5d7-3808dd8c388c	sent	gAAAAABrDLC52Qyig9wyWyvUNmVBfo4tTfmy5j9CtTCQLqOFeCHvpUh8Qv6dRzXNqScLSyq9R22aQ8cUv2GgT9G3BXzj02W_Z-HIzmRZD1Qtmo2eB_mugjg=	l****@example.com	您获得了 516 积分	李雷，您好：\n\n感谢您的惠顾！本次消费为您累积了 516 积分，您当前的积分余额为 516。\n\n积分可用于兑换礼品和优惠，欢迎随时使用。\n\n会员服务团队\n	1	2026-11-29 23:09:49.523397+00	<71865c1d-237a-4fda-95c7-d1e51182e8a1@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:49.523397+00	2026-11-29 23:09:49.607933+00
7cefcb24-aaa1-45b2-b14d-7d31721e696c	051b17ee-577b-4609-b02b-e0d743fa7353	sms	points_earned	50632ba3-cdc2-4b97-a5d7-3808dd8c388c	sent	gAAAAABrDLC5-UvDysuJyRn_C7_hq1u0AiUucc7519pR_0siLtCg3n9fxyZylSQxNKFq2UEwAZvUCHt5BG72LhG63wb5qbYBIQ==	138****8000	\N	李雷，本次消费获得 516 积分，当前积分余额 516。感谢惠顾！退订回T	1	2026-11-29 23:09:49.523397+00	dbbcd7539b6c4a32a2ad5f286f9596a8	{"status": "accepted", "cost_fen": 10, "segments": 1, "message_id": "dbbcd7539b6c4a32a2ad5f286f9596a8"}	\N	2026-11-29 23:09:49.523397+00	2026-11-29 23:09:49.607933+00
64347ede-d2ea-4640-82c3-ae4a5942d6ef	f0cb0e4d-92b9-48c6-a569-ceba517123a2	email	points_earned	4ec0d804-afd7-4656-9d47-33f96b4ed56d	suppressed	\N	o****@example.co.uk	\N	\N	0	2026-11-29 23:09:51.156561+00	\N	\N	member has not consented to email	2026-11-29 23:09:51.156561+00	\N
958965cc-efcd-4684-8484-0a1ba53eec1f	051b17ee-577b-4609-b02b-e0d743fa7353	email	points_earned	01a81271-32e9-4dce-b5db-1b373406c0b9	sent	gAAAAABrDLC52Qyig9wyWyvUNmVBfo4tTfmy5j9CtTCQLqOFeCHvpUh8Qv6dRzXNqScLSyq9R22aQ8cUv2GgT9G3BXzj02W_Z-HIzmRZD1Qtmo2eB_mugjg=	l****@example.com	您获得了 798 积分	李雷，您好：\n\n感谢您的惠顾！本次消费为您累积了 798 积分，您当前的积分余额为 1,314。\n\n积分可用于兑换礼品和优惠，欢迎随时使用。\n\n会员服务团队\n	1	2026-11-29 23:09:49.996426+00	<958965cc-efcd-4684-8484-0a1ba53eec1f@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:49.996426+00	2026-11-29 23:09:50.138549+00
03623413-24af-4afb-a825-c11c8191226c	051b17ee-577b-4609-b02b-e0d743fa7353	sms	points_earned	01a81271-32e9-4dce-b5db-1b373406c0b9	sent	gAAAAABrDLC5-UvDysuJyRn_C7_hq1u0AiUucc7519pR_0siLtCg3n9fxyZylSQxNKFq2UEwAZvUCHt5BG72LhG63wb5qbYBIQ==	138****8000	\N	李雷，本次消费获得 798 积分，当前积分余额 1,314。感谢惠顾！退订回T	1	2026-11-29 23:09:49.996426+00	2905f18f60be4112b7f35b733eb67509	{"status": "accepted", "cost_fen": 10, "segments": 1, "message_id": "2905f18f60be4112b7f35b733eb67509"}	\N	2026-11-29 23:09:49.996426+00	2026-11-29 23:09:50.138549+00
d4fb7ba2-018f-408a-b516-01dc11687746	051b17ee-577b-4609-b02b-e0d743fa7353	email	tier_upgrade	32d57a0d-35b5-4176-8ed4-7b56daacb701	sent	gAAAAABrDLC52Qyig9wyWyvUNmVBfo4tTfmy5j9CtTCQLqOFeCHvpUh8Qv6dRzXNqScLSyq9R22aQ8cUv2GgT9G3BXzj02W_Z-HIzmRZD1Qtmo2eB_mugjg=	l****@example.com	恭喜您升级为VIP贵宾！	李雷，您好：\n\n恭喜！您的会员等级已升级为「VIP贵宾」。\n\n从现在起，您可以享受VIP贵宾的专属权益。感谢您一直以来的支持！\n\n会员服务团队\n	1	2026-11-29 23:09:50.0092+00	<d4fb7ba2-018f-408a-b516-01dc11687746@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:50.0092+00	2026-11-29 23:09:50.138549+00
bc988886-22c7-4d94-97fa-57ef4ca4aadb	051b17ee-577b-4609-b02b-e0d743fa7353	sms	tier_upgrade	32d57a0d-35b5-4176-8ed4-7b56daacb701	sent	gAAAAABrDLC5-UvDysuJyRn_C7_hq1u0AiUucc7519pR_0siLtCg3n9fxyZylSQxNKFq2UEwAZvUCHt5BG72LhG63wb5qbYBIQ==	138****8000	\N	恭喜李雷！您的会员等级已升级为VIP贵宾，专属权益即刻生效。退订回T	1	2026-11-29 23:09:50.0092+00	354d94ee79874f0085690417ce3dd418	{"status": "accepted", "cost_fen": 10, "segments": 1, "message_id": "354d94ee79874f0085690417ce3dd418"}	\N	2026-11-29 23:09:50.0092+00	2026-11-29 23:09:50.138549+00
d1fe8d3f-ad83-4117-a414-f9040bc09ed5	41692907-9851-4f11-9562-a347de165596	email	points_earned	5abc5387-346b-4227-bf56-13e2f28cb925	sent	gAAAAABrDLC6goznt1H2e9CsV37mv5RKT2VdO2m4whrKxHzXFlmZrXZosLd35zyfAtTk1FPOqwkKvmd1WfvZO9j_bbFGrSlcW-m8Xqr74VNYD3VikTjzkfg=	h****@example.com	您获得了 462 积分	韩梅梅，您好：\n\n感谢您的惠顾！本次消费为您累积了 462 积分，您当前的积分余额为 462。\n\n积分可用于兑换礼品和优惠，欢迎随时使用。\n\n会员服务团队\n	1	2026-11-29 23:09:50.487625+00	<d1fe8d3f-ad83-4117-a414-f9040bc09ed5@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:50.487625+00	2026-11-29 23:09:50.575652+00
9505a302-92ab-4043-bcf7-de02903236e5	41692907-9851-4f11-9562-a347de165596	sms	points_earned	5abc5387-346b-4227-bf56-13e2f28cb925	sent	gAAAAABrDLC67eZ4bk8wxG5-wkG3D50gzTOVj3mvQaHOqnSNsU0q8v0sm21ngKe_Q53cVreXN_KlQ_rA9po25HCYykUTEWA5VQ==	138****8001	\N	韩梅梅，本次消费获得 462 积分，当前积分余额 462。感谢惠顾！退订回T	1	2026-11-29 23:09:50.487625+00	00d9a4a93e434c16b8e7b935ad7e8194	{"status": "accepted", "cost_fen": 10, "segments": 1, "message_id": "00d9a4a93e434c16b8e7b935ad7e8194"}	\N	2026-11-29 23:09:50.487625+00	2026-11-29 23:09:50.575652+00
2e9a380f-2c06-4f34-b105-eb82ac06cebf	41692907-9851-4f11-9562-a347de165596	email	points_earned	ce45e419-48d0-41bf-97e7-3801c712d0fb	sent	gAAAAABrDLC6goznt1H2e9CsV37mv5RKT2VdO2m4whrKxHzXFlmZrXZosLd35zyfAtTk1FPOqwkKvmd1WfvZO9j_bbFGrSlcW-m8Xqr74VNYD3VikTjzkfg=	h****@example.com	您获得了 88 积分	韩梅梅，您好：\n\n感谢您的惠顾！本次消费为您累积了 88 积分，您当前的积分余额为 550。\n\n积分可用于兑换礼品和优惠，欢迎随时使用。\n\n会员服务团队\n	1	2026-11-29 23:09:50.786839+00	<2e9a380f-2c06-4f34-b105-eb82ac06cebf@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:50.786839+00	2026-11-29 23:09:50.857037+00
90078790-89a3-4f09-8cc3-bce497de1b80	41692907-9851-4f11-9562-a347de165596	sms	points_earned	ce45e419-48d0-41bf-97e7-3801c712d0fb	sent	gAAAAABrDLC67eZ4bk8wxG5-wkG3D50gzTOVj3mvQaHOqnSNsU0q8v0sm21ngKe_Q53cVreXN_KlQ_rA9po25HCYykUTEWA5VQ==	138****8001	\N	韩梅梅，本次消费获得 88 积分，当前积分余额 550。感谢惠顾！退订回T	1	2026-11-29 23:09:50.786839+00	ebc2761ead1b459fb941077501181c1e	{"status": "accepted", "cost_fen": 10, "segments": 1, "message_id": "ebc2761ead1b459fb941077501181c1e"}	\N	2026-11-29 23:09:50.786839+00	2026-11-29 23:09:50.857037+00
410c401f-67dc-4e61-806a-a332b607ee67	41692907-9851-4f11-9562-a347de165596	email	points_earned	3f5890a6-0aaa-44a2-965a-71e8bfeb4484	sent	gAAAAABrDLC6goznt1H2e9CsV37mv5RKT2VdO2m4whrKxHzXFlmZrXZosLd35zyfAtTk1FPOqwkKvmd1WfvZO9j_bbFGrSlcW-m8Xqr74VNYD3VikTjzkfg=	h****@example.com	您获得了 88 积分	韩梅梅，您好：\n\n感谢您的惠顾！本次消费为您累积了 88 积分，您当前的积分余额为 638。\n\n积分可用于兑换礼品和优惠，欢迎随时使用。\n\n会员服务团队\n	1	2026-11-29 23:09:50.929404+00	<410c401f-67dc-4e61-806a-a332b607ee67@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:50.929404+00	2026-11-29 23:09:51.055598+00
664c603e-f4c6-46f7-9056-90b234d0e1be	41692907-9851-4f11-9562-a347de165596	sms	points_earned	3f5890a6-0aaa-44a2-965a-71e8bfeb4484	sent	gAAAAABrDLC67eZ4bk8wxG5-wkG3D50gzTOVj3mvQaHOqnSNsU0q8v0sm21ngKe_Q53cVreXN_KlQ_rA9po25HCYykUTEWA5VQ==	138****8001	\N	韩梅梅，本次消费获得 88 积分，当前积分余额 638。感谢惠顾！退订回T	1	2026-11-29 23:09:50.929404+00	88da942880674a6fac8674d2a5da7111	{"status": "accepted", "cost_fen": 10, "segments": 1, "message_id": "88da942880674a6fac8674d2a5da7111"}	\N	2026-11-29 23:09:50.929404+00	2026-11-29 23:09:51.055598+00
65fd3bab-a29f-45f8-bab2-01e86d3c5592	f0cb0e4d-92b9-48c6-a569-ceba517123a2	sms	points_earned	4ec0d804-afd7-4656-9d47-33f96b4ed56d	sent	gAAAAABrDLC6Rw2xE1dBeQmtQuOOeXcLw00enXinLft62hy_B9NKynvSyDM8RhnlK7v2UTc7TtY9DsUIwoVPLlS95fJwwvFtAg==	447*****0123	\N	Oliver Brown, you earned 99 points. Your balance is now 99 points. Thank you! Reply STOP to opt out.	1	2026-11-29 23:09:51.156561+00	344f5519cc6347499a75fc4dc80ca8e2	{"status": "accepted", "cost_fen": 20, "segments": 2, "message_id": "344f5519cc6347499a75fc4dc80ca8e2"}	\N	2026-11-29 23:09:51.156561+00	2026-11-29 23:09:51.295519+00
7d206279-0c78-4980-a05d-24e9dbe85eb7	d047911b-7b3b-4341-98e4-7e96f2025039	email	points_earned	5f3c0ac2-c95d-448d-b1c3-aa0dd51bc9d5	sent	gAAAAABrDLC6TweU3KJKVDHfqpWQ83qVNQKdXoy2-tpBTKIPlckbLhEvxzAr1Xv8TbVK3X5cJUvA8pKlRNGPN2YY6cCAnLMexMhabzknMhvxeHc7luSIMKY=	j****@example.com	You earned 199 points	Hi John Smith,\n\nThank you for shopping with us! Your purchase earned you 199 points, and your balance is now 199 points.\n\nYou can exchange your points for gifts and offers at any time.\n\nThe Membership Team\n	1	2026-11-29 23:09:50.551634+00	<7d206279-0c78-4980-a05d-24e9dbe85eb7@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:50.551634+00	2026-11-29 23:09:50.616801+00
09c84cad-fd0c-4e50-bc66-32f069180139	d047911b-7b3b-4341-98e4-7e96f2025039	sms	points_earned	5f3c0ac2-c95d-448d-b1c3-aa0dd51bc9d5	sent	gAAAAABrDLC6Hr_x4AYusQkcg1T1kpMywHlXIiZ4NjJaka0LFrxFEvOFMta9_KEZSdcszyQQ_T3kU9bWBaj5Kiz_9nfkUWF0dw==	131****0147	\N	John Smith, you earned 199 points. Your balance is now 199 points. Thank you! Reply STOP to opt out.	1	2026-11-29 23:09:50.551634+00	1d5e27b9d10b4697b4d65389acd5bca7	{"status": "accepted", "cost_fen": 20, "segments": 2, "message_id": "1d5e27b9d10b4697b4d65389acd5bca7"}	\N	2026-11-29 23:09:50.551634+00	2026-11-29 23:09:50.616801+00
208cae6b-38dd-4e94-8458-96b8bb504ca8	6f073200-aca5-4d87-9959-cbbab9a52978	sms	points_earned	4f94d53b-953b-4476-9d47-9f04df8a6176	suppressed	\N	139****2222	\N	\N	0	2026-11-29 23:09:51.165241+00	\N	\N	member has not consented to sms	2026-11-29 23:09:51.165241+00	\N
ea664b2c-70b0-4484-9a6b-0b55a547b1a5	6f073200-aca5-4d87-9959-cbbab9a52978	email	points_earned	4f94d53b-953b-4476-9d47-9f04df8a6176	sent	gAAAAABrDLC7TiK0CSo5-3kDfCK3OrIX3MhRIEqOPMk2vs0KRRUKiqZ09FcorRnB_WydhxgnAOguz8fSkMW30QwMcYOJg4mSp1fvSeJKcV73AsRxAfRGpJ0=	W****@example.com	您获得了 158 积分	王芳，您好：\n\n感谢您的惠顾！本次消费为您累积了 158 积分，您当前的积分余额为 158。\n\n积分可用于兑换礼品和优惠，欢迎随时使用。\n\n会员服务团队\n	1	2026-11-29 23:09:51.165241+00	<ea664b2c-70b0-4484-9a6b-0b55a547b1a5@huiyuan.local>	{"reply": "Message accepted for delivery"}	\N	2026-11-29 23:09:51.165241+00	2026-11-29 23:09:51.295519+00
\.


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: messaging; Owner: -
--

COPY messaging.outbox (seq, event_id, event_type, topic, key, envelope, created_at, published_at, partition, "offset") FROM stdin;
1	cb6aa1b2-ac67-42f8-bd94-0ee4449708ee	messaging.notification.suppressed	messaging.events	f0cb0e4d-92b9-48c6-a569-ceba517123a2	{"id": "cb6aa1b2-ac67-42f8-bd94-0ee4449708ee", "data": {"reason": "member has not consented to email", "channel": "email", "template": "welcome", "member_id": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "notification_id": "017a0a88-03d5-4be2-9bd4-7ac9b1e937c9", "trigger_event_id": "78ae4524-a23b-4fff-a3b7-bc2c0e4235f5"}, "time": "2026-11-29T23:09:46.595688Z", "type": "messaging.notification.suppressed", "source": "/huiyuan/messaging", "subject": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:46.394435+00	2026-11-29 23:09:46.663229+00	2	0
2	2cc6d911-96ce-4b19-85ed-1eaef1cd7e8d	messaging.notification.sent	messaging.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "2cc6d911-96ce-4b19-85ed-1eaef1cd7e8d", "data": {"channel": "email", "template": "welcome", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "notification_id": "703d6e0b-2afc-44ed-b740-14d64a79c2f0", "trigger_event_id": "b23276c8-5724-4b90-a7b4-caeb22cae583", "provider_message_id": "<703d6e0b-2afc-44ed-b740-14d64a79c2f0@huiyuan.local>"}, "time": "2026-11-29T23:09:46.613830Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:45.751825+00	2026-11-29 23:09:46.663229+00	1	0
3	25671f47-2643-41c0-9bf2-19a19eca1f43	messaging.notification.sent	messaging.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "25671f47-2643-41c0-9bf2-19a19eca1f43", "data": {"channel": "sms", "template": "welcome", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "notification_id": "9b67d25a-f553-416e-9492-38a0724d2a11", "trigger_event_id": "b23276c8-5724-4b90-a7b4-caeb22cae583", "provider_message_id": "0b8d3782781f4ec49afbee457372399d"}, "time": "2026-11-29T23:09:46.613863Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:45.751825+00	2026-11-29 23:09:46.663229+00	1	1
4	3ae7bb69-0db8-47af-913b-9c91a7692ea1	messaging.notification.suppressed	messaging.events	0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89	{"id": "3ae7bb69-0db8-47af-913b-9c91a7692ea1", "data": {"reason": "member has not consented to email", "channel": "email", "template": "welcome", "member_id": "0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89", "notification_id": "14093890-b20f-4299-a37d-045d86a4e510", "trigger_event_id": "3259dea3-08bd-4a2a-b32f-73ad634b27cd"}, "time": "2026-11-29T23:09:47.061389Z", "type": "messaging.notification.suppressed", "source": "/huiyuan/messaging", "subject": "0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:46.763457+00	2026-11-29 23:09:47.080516+00	2	1
5	4ab59e05-724a-4e67-a600-86736614a353	messaging.notification.suppressed	messaging.events	0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89	{"id": "4ab59e05-724a-4e67-a600-86736614a353", "data": {"reason": "member has not consented to sms", "channel": "sms", "template": "welcome", "member_id": "0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89", "notification_id": "12a49fe8-e7b4-4475-ad6a-f7f95dbfbae1", "trigger_event_id": "3259dea3-08bd-4a2a-b32f-73ad634b27cd"}, "time": "2026-11-29T23:09:47.061413Z", "type": "messaging.notification.suppressed", "source": "/huiyuan/messaging", "subject": "0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:46.763457+00	2026-11-29 23:09:47.080516+00	2	2
6	c7ff36c4-0abe-4743-be10-cd8671cabd1e	messaging.notification.sent	messaging.events	41692907-9851-4f11-9562-a347de165596	{"id": "c7ff36c4-0abe-4743-be10-cd8671cabd1e", "data": {"channel": "email", "template": "welcome", "member_id": "41692907-9851-4f11-9562-a347de165596", "notification_id": "417d2644-4987-4f61-af0f-1cfe70c12108", "trigger_event_id": "e47347af-0132-406c-87d7-2c84ad10d077", "provider_message_id": "<417d2644-4987-4f61-af0f-1cfe70c12108@huiyuan.local>"}, "time": "2026-11-29T23:09:47.059868Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:46.689978+00	2026-11-29 23:09:47.156081+00	0	0
7	9fa98915-2d52-444f-885a-1597d01237e6	messaging.notification.sent	messaging.events	41692907-9851-4f11-9562-a347de165596	{"id": "9fa98915-2d52-444f-885a-1597d01237e6", "data": {"channel": "sms", "template": "welcome", "member_id": "41692907-9851-4f11-9562-a347de165596", "notification_id": "757c9f67-0b24-4374-a1fb-0227c247c69c", "trigger_event_id": "e47347af-0132-406c-87d7-2c84ad10d077", "provider_message_id": "4703cbe1f28a452fbdbba8b754c37d05"}, "time": "2026-11-29T23:09:47.060020Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:46.689978+00	2026-11-29 23:09:47.156081+00	0	1
13	1578010c-4d13-4bd6-8efd-7564c122adeb	messaging.notification.sent	messaging.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "1578010c-4d13-4bd6-8efd-7564c122adeb", "data": {"channel": "email", "template": "points_earned", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "notification_id": "71865c1d-237a-4fda-95c7-d1e51182e8a1", "trigger_event_id": "50632ba3-cdc2-4b97-a5d7-3808dd8c388c", "provider_message_id": "<71865c1d-237a-4fda-95c7-d1e51182e8a1@huiyuan.local>"}, "time": "2026-11-29T23:09:49.608110Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:49.564219+00	2026-11-29 23:09:49.624157+00	1	2
8	f6b2d5d6-d4d2-473d-9e3c-c579fb38265b	messaging.notification.sent	messaging.events	d047911b-7b3b-4341-98e4-7e96f2025039	{"id": "f6b2d5d6-d4d2-473d-9e3c-c579fb38265b", "data": {"channel": "email", "template": "welcome", "member_id": "d047911b-7b3b-4341-98e4-7e96f2025039", "notification_id": "0adfc464-fb8f-425c-b3d8-ebc4db0ec1df", "trigger_event_id": "9f5487dc-5da6-4aae-a51d-19d64b607397", "provider_message_id": "<0adfc464-fb8f-425c-b3d8-ebc4db0ec1df@huiyuan.local>"}, "time": "2026-11-29T23:09:47.060046Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "d047911b-7b3b-4341-98e4-7e96f2025039", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:46.689978+00	2026-11-29 23:09:47.156081+00	0	2
9	fde9f519-2128-4a68-82b9-da5e02f1570b	messaging.notification.sent	messaging.events	d047911b-7b3b-4341-98e4-7e96f2025039	{"id": "fde9f519-2128-4a68-82b9-da5e02f1570b", "data": {"channel": "sms", "template": "welcome", "member_id": "d047911b-7b3b-4341-98e4-7e96f2025039", "notification_id": "2853de9f-b7fd-479f-939b-47f31709ae1a", "trigger_event_id": "9f5487dc-5da6-4aae-a51d-19d64b607397", "provider_message_id": "dbf1f1a624d744ef93b047e2d833f3db"}, "time": "2026-11-29T23:09:47.060065Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "d047911b-7b3b-4341-98e4-7e96f2025039", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:46.689978+00	2026-11-29 23:09:47.156081+00	0	3
10	5895b5f1-e3f0-4ac5-b9db-7d4fbf2ee299	messaging.notification.sent	messaging.events	f0cb0e4d-92b9-48c6-a569-ceba517123a2	{"id": "5895b5f1-e3f0-4ac5-b9db-7d4fbf2ee299", "data": {"channel": "sms", "template": "welcome", "member_id": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "notification_id": "aa9332a5-4604-4bb1-b450-92b69cde0528", "trigger_event_id": "78ae4524-a23b-4fff-a3b7-bc2c0e4235f5", "provider_message_id": "657fa40972534e9f8dfe9f12ac5a4676"}, "time": "2026-11-29T23:09:47.060093Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:46.689978+00	2026-11-29 23:09:47.156081+00	2	3
11	11296b8b-278c-4046-9d10-cfc37d8baf0c	messaging.notification.suppressed	messaging.events	6f073200-aca5-4d87-9959-cbbab9a52978	{"id": "11296b8b-278c-4046-9d10-cfc37d8baf0c", "data": {"reason": "member has not consented to sms", "channel": "sms", "template": "welcome", "member_id": "6f073200-aca5-4d87-9959-cbbab9a52978", "notification_id": "79dbecb3-16d7-46f0-8c4f-2adaf3c4909f", "trigger_event_id": "a2bc4a73-b34f-493c-a6e6-ad173ec8235a"}, "time": "2026-11-29T23:09:47.124849Z", "type": "messaging.notification.suppressed", "source": "/huiyuan/messaging", "subject": "6f073200-aca5-4d87-9959-cbbab9a52978", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:47.092196+00	2026-11-29 23:09:47.156081+00	2	4
12	a2cee616-11bd-4d93-8147-a8d5d9f39de5	messaging.notification.sent	messaging.events	6f073200-aca5-4d87-9959-cbbab9a52978	{"id": "a2cee616-11bd-4d93-8147-a8d5d9f39de5", "data": {"channel": "email", "template": "welcome", "member_id": "6f073200-aca5-4d87-9959-cbbab9a52978", "notification_id": "8c7f6acf-7e5e-4465-91d6-ba6d49089f92", "trigger_event_id": "a2bc4a73-b34f-493c-a6e6-ad173ec8235a", "provider_message_id": "<8c7f6acf-7e5e-4465-91d6-ba6d49089f92@huiyuan.local>"}, "time": "2026-11-29T23:09:47.224932Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "6f073200-aca5-4d87-9959-cbbab9a52978", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:47.148517+00	2026-11-29 23:09:47.254431+00	2	5
14	936f74b1-1387-4dc8-9884-872815d56f25	messaging.notification.sent	messaging.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "936f74b1-1387-4dc8-9884-872815d56f25", "data": {"channel": "sms", "template": "points_earned", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "notification_id": "7cefcb24-aaa1-45b2-b14d-7d31721e696c", "trigger_event_id": "50632ba3-cdc2-4b97-a5d7-3808dd8c388c", "provider_message_id": "dbbcd7539b6c4a32a2ad5f286f9596a8"}, "time": "2026-11-29T23:09:49.608144Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:49.564219+00	2026-11-29 23:09:49.624157+00	1	3
15	705b8ff1-7e36-4279-91f8-212e7f415046	messaging.notification.sent	messaging.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "705b8ff1-7e36-4279-91f8-212e7f415046", "data": {"channel": "email", "template": "points_earned", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "notification_id": "958965cc-efcd-4684-8484-0a1ba53eec1f", "trigger_event_id": "01a81271-32e9-4dce-b5db-1b373406c0b9", "provider_message_id": "<958965cc-efcd-4684-8484-0a1ba53eec1f@huiyuan.local>"}, "time": "2026-11-29T23:09:50.138698Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.034455+00	2026-11-29 23:09:50.156557+00	1	4
16	df2f21b4-5d05-4668-909b-d4dbcb181130	messaging.notification.sent	messaging.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "df2f21b4-5d05-4668-909b-d4dbcb181130", "data": {"channel": "sms", "template": "points_earned", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "notification_id": "03623413-24af-4afb-a825-c11c8191226c", "trigger_event_id": "01a81271-32e9-4dce-b5db-1b373406c0b9", "provider_message_id": "2905f18f60be4112b7f35b733eb67509"}, "time": "2026-11-29T23:09:50.138726Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.034455+00	2026-11-29 23:09:50.156557+00	1	5
17	b9fdc493-9569-4106-a178-5b186fc75b4c	messaging.notification.sent	messaging.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "b9fdc493-9569-4106-a178-5b186fc75b4c", "data": {"channel": "email", "template": "tier_upgrade", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "notification_id": "d4fb7ba2-018f-408a-b516-01dc11687746", "trigger_event_id": "32d57a0d-35b5-4176-8ed4-7b56daacb701", "provider_message_id": "<d4fb7ba2-018f-408a-b516-01dc11687746@huiyuan.local>"}, "time": "2026-11-29T23:09:50.138745Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.034455+00	2026-11-29 23:09:50.156557+00	1	6
18	fb589cd7-3274-4ef5-a016-992b8c4d5db9	messaging.notification.sent	messaging.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "fb589cd7-3274-4ef5-a016-992b8c4d5db9", "data": {"channel": "sms", "template": "tier_upgrade", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "notification_id": "bc988886-22c7-4d94-97fa-57ef4ca4aadb", "trigger_event_id": "32d57a0d-35b5-4176-8ed4-7b56daacb701", "provider_message_id": "354d94ee79874f0085690417ce3dd418"}, "time": "2026-11-29T23:09:50.138761Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.034455+00	2026-11-29 23:09:50.156557+00	1	7
19	5024dbbb-0c8e-44e8-a5c6-ccaadd64880c	messaging.notification.sent	messaging.events	41692907-9851-4f11-9562-a347de165596	{"id": "5024dbbb-0c8e-44e8-a5c6-ccaadd64880c", "data": {"channel": "email", "template": "points_earned", "member_id": "41692907-9851-4f11-9562-a347de165596", "notification_id": "d1fe8d3f-ad83-4117-a414-f9040bc09ed5", "trigger_event_id": "5abc5387-346b-4227-bf56-13e2f28cb925", "provider_message_id": "<d1fe8d3f-ad83-4117-a414-f9040bc09ed5@huiyuan.local>"}, "time": "2026-11-29T23:09:50.575831Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.504053+00	2026-11-29 23:09:50.591583+00	0	4
20	4e67d094-b2d8-4ea8-91eb-2c39ee371f5c	messaging.notification.sent	messaging.events	41692907-9851-4f11-9562-a347de165596	{"id": "4e67d094-b2d8-4ea8-91eb-2c39ee371f5c", "data": {"channel": "sms", "template": "points_earned", "member_id": "41692907-9851-4f11-9562-a347de165596", "notification_id": "9505a302-92ab-4043-bcf7-de02903236e5", "trigger_event_id": "5abc5387-346b-4227-bf56-13e2f28cb925", "provider_message_id": "00d9a4a93e434c16b8e7b935ad7e8194"}, "time": "2026-11-29T23:09:50.575870Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.504053+00	2026-11-29 23:09:50.591583+00	0	5
27	3ebcd85a-9797-4e93-8602-5409de3d4d7f	messaging.notification.suppressed	messaging.events	f0cb0e4d-92b9-48c6-a569-ceba517123a2	{"id": "3ebcd85a-9797-4e93-8602-5409de3d4d7f", "data": {"reason": "member has not consented to email", "channel": "email", "template": "points_earned", "member_id": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "notification_id": "64347ede-d2ea-4640-82c3-ae4a5942d6ef", "trigger_event_id": "4ec0d804-afd7-4656-9d47-33f96b4ed56d"}, "time": "2026-11-29T23:09:51.159179Z", "type": "messaging.notification.suppressed", "source": "/huiyuan/messaging", "subject": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:51.145534+00	2026-11-29 23:09:51.221508+00	2	6
28	fce244d6-3982-43ed-b1a1-563489f6735f	messaging.notification.suppressed	messaging.events	6f073200-aca5-4d87-9959-cbbab9a52978	{"id": "fce244d6-3982-43ed-b1a1-563489f6735f", "data": {"reason": "member has not consented to sms", "channel": "sms", "template": "points_earned", "member_id": "6f073200-aca5-4d87-9959-cbbab9a52978", "notification_id": "208cae6b-38dd-4e94-8458-96b8bb504ca8", "trigger_event_id": "4f94d53b-953b-4476-9d47-9f04df8a6176"}, "time": "2026-11-29T23:09:51.175033Z", "type": "messaging.notification.suppressed", "source": "/huiyuan/messaging", "subject": "6f073200-aca5-4d87-9959-cbbab9a52978", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:51.145534+00	2026-11-29 23:09:51.221508+00	2	7
21	63ab683b-74e0-4e93-b75a-eb2f605b2ae3	messaging.notification.sent	messaging.events	d047911b-7b3b-4341-98e4-7e96f2025039	{"id": "63ab683b-74e0-4e93-b75a-eb2f605b2ae3", "data": {"channel": "email", "template": "points_earned", "member_id": "d047911b-7b3b-4341-98e4-7e96f2025039", "notification_id": "7d206279-0c78-4980-a05d-24e9dbe85eb7", "trigger_event_id": "5f3c0ac2-c95d-448d-b1c3-aa0dd51bc9d5", "provider_message_id": "<7d206279-0c78-4980-a05d-24e9dbe85eb7@huiyuan.local>"}, "time": "2026-11-29T23:09:50.616973Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "d047911b-7b3b-4341-98e4-7e96f2025039", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.591636+00	2026-11-29 23:09:50.630256+00	0	6
22	b91453be-1737-498f-8fcd-1ff8cc5424d8	messaging.notification.sent	messaging.events	d047911b-7b3b-4341-98e4-7e96f2025039	{"id": "b91453be-1737-498f-8fcd-1ff8cc5424d8", "data": {"channel": "sms", "template": "points_earned", "member_id": "d047911b-7b3b-4341-98e4-7e96f2025039", "notification_id": "09c84cad-fd0c-4e50-bc66-32f069180139", "trigger_event_id": "5f3c0ac2-c95d-448d-b1c3-aa0dd51bc9d5", "provider_message_id": "1d5e27b9d10b4697b4d65389acd5bca7"}, "time": "2026-11-29T23:09:50.617003Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "d047911b-7b3b-4341-98e4-7e96f2025039", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.591636+00	2026-11-29 23:09:50.630256+00	0	7
23	c60155fc-fa76-4614-ac88-b0357861958b	messaging.notification.sent	messaging.events	41692907-9851-4f11-9562-a347de165596	{"id": "c60155fc-fa76-4614-ac88-b0357861958b", "data": {"channel": "email", "template": "points_earned", "member_id": "41692907-9851-4f11-9562-a347de165596", "notification_id": "2e9a380f-2c06-4f34-b105-eb82ac06cebf", "trigger_event_id": "ce45e419-48d0-41bf-97e7-3801c712d0fb", "provider_message_id": "<2e9a380f-2c06-4f34-b105-eb82ac06cebf@huiyuan.local>"}, "time": "2026-11-29T23:09:50.857206Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.805887+00	2026-11-29 23:09:50.873234+00	0	8
24	cf364db2-bdb5-432b-9c05-6ef1accc2ceb	messaging.notification.sent	messaging.events	41692907-9851-4f11-9562-a347de165596	{"id": "cf364db2-bdb5-432b-9c05-6ef1accc2ceb", "data": {"channel": "sms", "template": "points_earned", "member_id": "41692907-9851-4f11-9562-a347de165596", "notification_id": "90078790-89a3-4f09-8cc3-bce497de1b80", "trigger_event_id": "ce45e419-48d0-41bf-97e7-3801c712d0fb", "provider_message_id": "ebc2761ead1b459fb941077501181c1e"}, "time": "2026-11-29T23:09:50.857237Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.805887+00	2026-11-29 23:09:50.873234+00	0	9
25	e1dbf556-40f7-402c-bcba-5b420fa626f4	messaging.notification.sent	messaging.events	41692907-9851-4f11-9562-a347de165596	{"id": "e1dbf556-40f7-402c-bcba-5b420fa626f4", "data": {"channel": "email", "template": "points_earned", "member_id": "41692907-9851-4f11-9562-a347de165596", "notification_id": "410c401f-67dc-4e61-806a-a332b607ee67", "trigger_event_id": "3f5890a6-0aaa-44a2-965a-71e8bfeb4484", "provider_message_id": "<410c401f-67dc-4e61-806a-a332b607ee67@huiyuan.local>"}, "time": "2026-11-29T23:09:51.055767Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.951934+00	2026-11-29 23:09:51.091374+00	0	10
26	a8b64294-46df-4973-b52a-4d298071d667	messaging.notification.sent	messaging.events	41692907-9851-4f11-9562-a347de165596	{"id": "a8b64294-46df-4973-b52a-4d298071d667", "data": {"channel": "sms", "template": "points_earned", "member_id": "41692907-9851-4f11-9562-a347de165596", "notification_id": "664c603e-f4c6-46f7-9056-90b234d0e1be", "trigger_event_id": "3f5890a6-0aaa-44a2-965a-71e8bfeb4484", "provider_message_id": "88da942880674a6fac8674d2a5da7111"}, "time": "2026-11-29T23:09:51.055811Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.951934+00	2026-11-29 23:09:51.091374+00	0	11
29	0bb9e778-838c-44b5-8a4b-c61d2cd93863	messaging.notification.sent	messaging.events	f0cb0e4d-92b9-48c6-a569-ceba517123a2	{"id": "0bb9e778-838c-44b5-8a4b-c61d2cd93863", "data": {"channel": "sms", "template": "points_earned", "member_id": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "notification_id": "65fd3bab-a29f-45f8-bab2-01e86d3c5592", "trigger_event_id": "4ec0d804-afd7-4656-9d47-33f96b4ed56d", "provider_message_id": "344f5519cc6347499a75fc4dc80ca8e2"}, "time": "2026-11-29T23:09:51.295637Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:51.239757+00	2026-11-29 23:09:51.304303+00	2	8
30	21fa434c-491f-424c-8e01-78e34dc0161e	messaging.notification.sent	messaging.events	6f073200-aca5-4d87-9959-cbbab9a52978	{"id": "21fa434c-491f-424c-8e01-78e34dc0161e", "data": {"channel": "email", "template": "points_earned", "member_id": "6f073200-aca5-4d87-9959-cbbab9a52978", "notification_id": "ea664b2c-70b0-4484-9a6b-0b55a547b1a5", "trigger_event_id": "4f94d53b-953b-4476-9d47-9f04df8a6176", "provider_message_id": "<ea664b2c-70b0-4484-9a6b-0b55a547b1a5@huiyuan.local>"}, "time": "2026-11-29T23:09:51.295670Z", "type": "messaging.notification.sent", "source": "/huiyuan/messaging", "subject": "6f073200-aca5-4d87-9959-cbbab9a52978", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:51.239757+00	2026-11-29 23:09:51.304303+00	2	9
\.


--
-- Data for Name: dead_letters; Type: TABLE DATA; Schema: orders; Owner: -
--

COPY orders.dead_letters (id, event_id, event_type, topic, partition, "offset", payload, error, attempts, parked_at, replayed_at) FROM stdin;
\.


--
-- Data for Name: idempotency_keys; Type: TABLE DATA; Schema: orders; Owner: -
--

COPY orders.idempotency_keys (scope, key, request_hash, status_code, response, created_at, expires_at) FROM stdin;
store:cd9685b3-472e-4821-83c7-cef38188e624	A-0001	aadc62134d6b17882bf29f010ec161363eaa26572ea4e09ca9a0c28bc88eb417	201	{"id": "48d48151-29fb-4db7-bfb1-1d65e03655b1", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "store_id": "cd9685b3-472e-4821-83c7-cef38188e624", "total_fen": 51600, "purchased_at": "2026-11-29T23:09:49.236675Z", "receipt_no": "A-0001", "lines": [{"line_no": 1, "sku": "HP-FISHOIL-60", "category": "health", "quantity": 2, "unit_price_fen": 25800, "amount_fen": 51600, "returned_quantity": 0}]}	2026-11-29 23:09:49.173668+00	2026-12-06 23:09:49.173668+00
store:cd9685b3-472e-4821-83c7-cef38188e624	A-0002	7fe5fa8afb4f62fd4f35cb5dd2403879995297e8904b459db87ef2f17afc3b90	201	{"id": "057e40e3-7fe1-4b72-9f95-4d777e7d3b2d", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "store_id": "cd9685b3-472e-4821-83c7-cef38188e624", "total_fen": 79800, "purchased_at": "2026-11-29T23:09:49.783330Z", "receipt_no": "A-0002", "lines": [{"line_no": 1, "sku": "CS-SERUM-30", "category": "cosmetics", "quantity": 2, "unit_price_fen": 39900, "amount_fen": 79800, "returned_quantity": 0}]}	2026-11-29 23:09:49.752239+00	2026-12-06 23:09:49.752239+00
store:cd9685b3-472e-4821-83c7-cef38188e624	A-0003	9ce30abdbb1090f9d2987e6bb49e5716dcd5776390ffeb05d80e7474f78e8710	201	{"id": "d813f757-df78-4e4b-b8a5-956c5461432c", "member_id": "41692907-9851-4f11-9562-a347de165596", "store_id": "cd9685b3-472e-4821-83c7-cef38188e624", "total_fen": 46200, "purchased_at": "2026-11-29T23:09:50.308039Z", "receipt_no": "A-0003", "lines": [{"line_no": 1, "sku": "HP-VITC-100", "category": "health", "quantity": 3, "unit_price_fen": 6800, "amount_fen": 20400, "returned_quantity": 0}, {"line_no": 2, "sku": "CS-MASK-5", "category": "cosmetics", "quantity": 2, "unit_price_fen": 12900, "amount_fen": 25800, "returned_quantity": 0}]}	2026-11-29 23:09:50.29904+00	2026-12-06 23:09:50.29904+00
store:2b43e13c-d251-4517-9a5b-12a7664e4f25	B-0001	e9224c16bea71c54aca5641ae124857dbb59b9286be081f8e133743cbc6a3b9f	201	{"id": "659f4fa3-bf3d-4b92-99a5-2d3d854ea96b", "member_id": "d047911b-7b3b-4341-98e4-7e96f2025039", "store_id": "2b43e13c-d251-4517-9a5b-12a7664e4f25", "total_fen": 19900, "purchased_at": "2026-11-29T23:09:50.400733Z", "receipt_no": "B-0001", "lines": [{"line_no": 1, "sku": "HP-COQ10-30", "category": "health", "quantity": 1, "unit_price_fen": 19900, "amount_fen": 19900, "returned_quantity": 0}]}	2026-11-29 23:09:50.372245+00	2026-12-06 23:09:50.372245+00
store:2b43e13c-d251-4517-9a5b-12a7664e4f25	till-7f3a	9de8937bc54a4b3ae0d365885e8a8b92dd1278b2bedfebb0c94b9ec5fb62c358	201	{"id": "aa6e2891-41ed-4982-8ed3-db9b6b86dd45", "member_id": "41692907-9851-4f11-9562-a347de165596", "store_id": "2b43e13c-d251-4517-9a5b-12a7664e4f25", "total_fen": 8800, "purchased_at": "2026-11-29T23:09:50.513822Z", "receipt_no": "B-0004", "lines": [{"line_no": 1, "sku": "HP-ZINC-60", "category": "health", "quantity": 1, "unit_price_fen": 8800, "amount_fen": 8800, "returned_quantity": 0}]}	2026-11-29 23:09:50.454545+00	2026-12-06 23:09:50.454545+00
store:2b43e13c-d251-4517-9a5b-12a7664e4f25	till-9c1e	9de8937bc54a4b3ae0d365885e8a8b92dd1278b2bedfebb0c94b9ec5fb62c358	201	{"id": "395e035e-038c-48d0-8941-5f2efe22a61a", "member_id": "41692907-9851-4f11-9562-a347de165596", "store_id": "2b43e13c-d251-4517-9a5b-12a7664e4f25", "total_fen": 8800, "purchased_at": "2026-11-29T23:09:50.708031Z", "receipt_no": "B-0004", "lines": [{"line_no": 1, "sku": "HP-ZINC-60", "category": "health", "quantity": 1, "unit_price_fen": 8800, "amount_fen": 8800, "returned_quantity": 0}]}	2026-11-29 23:09:50.618487+00	2026-12-06 23:09:50.618487+00
store:2b43e13c-d251-4517-9a5b-12a7664e4f25	B-0002	4b604df9d4d79c620ab9cbd6f28226e4c828d53ea9ab457c9b6f77a0b6d169ab	201	{"id":"f5c7408f-fb76-49cd-bdf3-79f46df5ca9c","member_id":"f0cb0e4d-92b9-48c6-a569-ceba517123a2","store_id":"2b43e13c-d251-4517-9a5b-12a7664e4f25","total_fen":9900,"purchased_at":"2026-01-14T01:30:00Z","receipt_no":"B-0002","lines":[{"line_no":1,"sku":"DG-TOOTH-2","category":"daily","quantity":1,"unit_price_fen":9900,"amount_fen":9900,"returned_quantity":0}]}	2026-11-29 23:09:50.791754+00	2026-12-06 23:09:50.791754+00
store:2b43e13c-d251-4517-9a5b-12a7664e4f25	B-0003	40ed13b94d35d1bf3737c75f460a4e1606844e52860a110b10f5dd1ceb463e9c	201	{"id":"ec19230a-b906-405c-817b-07c5b4686baf","member_id":"6f073200-aca5-4d87-9959-cbbab9a52978","store_id":"2b43e13c-d251-4517-9a5b-12a7664e4f25","total_fen":15800,"purchased_at":"2026-11-29T23:09:50.889976Z","receipt_no":"B-0003","lines":[{"line_no":1,"sku":"CS-LOTION","category":"cosmetics","quantity":1,"unit_price_fen":15800,"amount_fen":15800,"returned_quantity":0}]}	2026-11-29 23:09:50.791754+00	2026-12-06 23:09:50.791754+00
store:cd9685b3-472e-4821-83c7-cef38188e624	A-0003-R1	d0b784de44b7d0906d51ccd7ee2b0e3797c6b7d68d3e12f2b19707e940743d7a	201	{"id": "245221bb-580c-44c2-8499-3dca0e6c87ba", "purchase_id": "d813f757-df78-4e4b-b8a5-956c5461432c", "amount_fen": 12900, "purchase_total_fen": 46200, "returned_at": "2026-11-29T23:09:51.120811Z", "lines": [{"line_no": 2, "sku": "CS-MASK-5", "category": "cosmetics", "quantity": 1, "amount_fen": 12900}]}	2026-11-29 23:09:51.039049+00	2026-12-06 23:09:51.039049+00
\.


--
-- Data for Name: inbox; Type: TABLE DATA; Schema: orders; Owner: -
--

COPY orders.inbox (event_id, event_type, processed_at) FROM stdin;
b23276c8-5724-4b90-a7b4-caeb22cae583	customer.member.registered	2026-11-29 23:09:45.257651+00
e47347af-0132-406c-87d7-2c84ad10d077	customer.member.registered	2026-11-29 23:09:45.606465+00
9f5487dc-5da6-4aae-a51d-19d64b607397	customer.member.registered	2026-11-29 23:09:45.839661+00
78ae4524-a23b-4fff-a3b7-bc2c0e4235f5	customer.member.registered	2026-11-29 23:09:46.205194+00
3259dea3-08bd-4a2a-b32f-73ad634b27cd	customer.member.registered	2026-11-29 23:09:46.480477+00
a2bc4a73-b34f-493c-a6e6-ad173ec8235a	customer.member.registered	2026-11-29 23:09:46.630062+00
\.


--
-- Data for Name: members; Type: TABLE DATA; Schema: orders; Owner: -
--

COPY orders.members (member_id, card_number, phone_hash) FROM stdin;
051b17ee-577b-4609-b02b-e0d743fa7353	8860000000017	3ee94530307ecaa386c89d94988527a67fc7874fa731d44c38f75cdaa9442926
41692907-9851-4f11-9562-a347de165596	8860000000025	9dfa238d9c06378c8e1c6fc7a3039fd0cea71199a868e63372cd7c094adce4c0
d047911b-7b3b-4341-98e4-7e96f2025039	8860000000033	26e4ddb7f0225426dd78d05ec1d646a7d2774ceea0f5df7c6a86486d5121f183
f0cb0e4d-92b9-48c6-a569-ceba517123a2	8860000000041	228bf6a240edbe62dae9c8ff119b490fc0314b7fbaf402cfd99ebb92303d25a5
0b0b9d6b-4ef6-45ae-abdd-1da370a1ae89	8860000000058	67f3c99a999f54524b81b0087ca958e7476060e024ba47ff9b9e08250da20292
6f073200-aca5-4d87-9959-cbbab9a52978	8860000000066	6a1d7c3aab4a1ceb43ddf96fa91bb5a64ecae1850feda920bcb54198e6b1b60a
\.


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: orders; Owner: -
--

COPY orders.outbox (seq, event_id, event_type, topic, key, envelope, created_at, published_at, partition, "offset") FROM stdin;
1	8fcdc0d3-18df-40f0-90ad-22a06f02c0cd	orders.purchase.completed	orders.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "8fcdc0d3-18df-40f0-90ad-22a06f02c0cd", "data": {"lines": [{"sku": "HP-FISHOIL-60", "line_no": 1, "category": "health", "quantity": 2, "amount_fen": 51600, "unit_price_fen": 25800}], "store_id": "cd9685b3-472e-4821-83c7-cef38188e624", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "total_fen": 51600, "purchase_id": "48d48151-29fb-4db7-bfb1-1d65e03655b1", "purchased_at": "2026-11-29T23:09:49.236675Z"}, "time": "2026-11-29T23:09:49.236859Z", "type": "orders.purchase.completed", "source": "/huiyuan/orders", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:49.173668+00	2026-11-29 23:09:49.33751+00	1	0
2	6e4599f5-d628-45a9-affe-093a69992dd5	orders.purchase.completed	orders.events	051b17ee-577b-4609-b02b-e0d743fa7353	{"id": "6e4599f5-d628-45a9-affe-093a69992dd5", "data": {"lines": [{"sku": "CS-SERUM-30", "line_no": 1, "category": "cosmetics", "quantity": 2, "amount_fen": 79800, "unit_price_fen": 39900}], "store_id": "cd9685b3-472e-4821-83c7-cef38188e624", "member_id": "051b17ee-577b-4609-b02b-e0d743fa7353", "total_fen": 79800, "purchase_id": "057e40e3-7fe1-4b72-9f95-4d777e7d3b2d", "purchased_at": "2026-11-29T23:09:49.783330Z"}, "time": "2026-11-29T23:09:49.783543Z", "type": "orders.purchase.completed", "source": "/huiyuan/orders", "subject": "051b17ee-577b-4609-b02b-e0d743fa7353", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:49.752239+00	2026-11-29 23:09:49.87702+00	1	1
3	b58f2df1-9dcb-42de-9c09-22cbdac12f70	orders.purchase.completed	orders.events	41692907-9851-4f11-9562-a347de165596	{"id": "b58f2df1-9dcb-42de-9c09-22cbdac12f70", "data": {"lines": [{"sku": "HP-VITC-100", "line_no": 1, "category": "health", "quantity": 3, "amount_fen": 20400, "unit_price_fen": 6800}, {"sku": "CS-MASK-5", "line_no": 2, "category": "cosmetics", "quantity": 2, "amount_fen": 25800, "unit_price_fen": 12900}], "store_id": "cd9685b3-472e-4821-83c7-cef38188e624", "member_id": "41692907-9851-4f11-9562-a347de165596", "total_fen": 46200, "purchase_id": "d813f757-df78-4e4b-b8a5-956c5461432c", "purchased_at": "2026-11-29T23:09:50.308039Z"}, "time": "2026-11-29T23:09:50.308202Z", "type": "orders.purchase.completed", "source": "/huiyuan/orders", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.29904+00	2026-11-29 23:09:50.365651+00	0	0
4	e9fe0abb-55da-44fe-9691-914ef047a714	orders.purchase.completed	orders.events	d047911b-7b3b-4341-98e4-7e96f2025039	{"id": "e9fe0abb-55da-44fe-9691-914ef047a714", "data": {"lines": [{"sku": "HP-COQ10-30", "line_no": 1, "category": "health", "quantity": 1, "amount_fen": 19900, "unit_price_fen": 19900}], "store_id": "2b43e13c-d251-4517-9a5b-12a7664e4f25", "member_id": "d047911b-7b3b-4341-98e4-7e96f2025039", "total_fen": 19900, "purchase_id": "659f4fa3-bf3d-4b92-99a5-2d3d854ea96b", "purchased_at": "2026-11-29T23:09:50.400733Z"}, "time": "2026-11-29T23:09:50.401026Z", "type": "orders.purchase.completed", "source": "/huiyuan/orders", "subject": "d047911b-7b3b-4341-98e4-7e96f2025039", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.372245+00	2026-11-29 23:09:50.437127+00	0	1
6	419641da-2afa-47f1-8035-09f2b5146a15	orders.purchase.completed	orders.events	41692907-9851-4f11-9562-a347de165596	{"id": "419641da-2afa-47f1-8035-09f2b5146a15", "data": {"lines": [{"sku": "HP-ZINC-60", "line_no": 1, "category": "health", "quantity": 1, "amount_fen": 8800, "unit_price_fen": 8800}], "store_id": "2b43e13c-d251-4517-9a5b-12a7664e4f25", "member_id": "41692907-9851-4f11-9562-a347de165596", "total_fen": 8800, "purchase_id": "395e035e-038c-48d0-8941-5f2efe22a61a", "purchased_at": "2026-11-29T23:09:50.708031Z"}, "time": "2026-11-29T23:09:50.708240Z", "type": "orders.purchase.completed", "source": "/huiyuan/orders", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.618487+00	2026-11-29 23:09:50.748188+00	0	3
7	b805d3e7-8cb9-495f-b2ea-bbea1f432195	orders.purchase.completed	orders.events	f0cb0e4d-92b9-48c6-a569-ceba517123a2	{"id": "b805d3e7-8cb9-495f-b2ea-bbea1f432195", "data": {"lines": [{"sku": "DG-TOOTH-2", "line_no": 1, "category": "daily", "quantity": 1, "amount_fen": 9900, "unit_price_fen": 9900}], "store_id": "2b43e13c-d251-4517-9a5b-12a7664e4f25", "member_id": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "total_fen": 9900, "purchase_id": "f5c7408f-fb76-49cd-bdf3-79f46df5ca9c", "purchased_at": "2026-01-14T01:30:00Z"}, "time": "2026-11-29T23:09:50.890298Z", "type": "orders.purchase.completed", "source": "/huiyuan/orders", "subject": "f0cb0e4d-92b9-48c6-a569-ceba517123a2", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.791754+00	2026-11-29 23:09:50.962289+00	2	0
5	b0da237a-195c-4f09-8ec9-d671b1913ca4	orders.purchase.completed	orders.events	41692907-9851-4f11-9562-a347de165596	{"id": "b0da237a-195c-4f09-8ec9-d671b1913ca4", "data": {"lines": [{"sku": "HP-ZINC-60", "line_no": 1, "category": "health", "quantity": 1, "amount_fen": 8800, "unit_price_fen": 8800}], "store_id": "2b43e13c-d251-4517-9a5b-12a7664e4f25", "member_id": "41692907-9851-4f11-9562-a347de165596", "total_fen": 8800, "purchase_id": "aa6e2891-41ed-4982-8ed3-db9b6b86dd45", "purchased_at": "2026-11-29T23:09:50.513822Z"}, "time": "2026-11-29T23:09:50.514065Z", "type": "orders.purchase.completed", "source": "/huiyuan/orders", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.454545+00	2026-11-29 23:09:50.589175+00	0	2
9	3c547549-fa93-468a-9611-33f1a9a9686c	orders.purchase.returned	orders.events	41692907-9851-4f11-9562-a347de165596	{"id": "3c547549-fa93-468a-9611-33f1a9a9686c", "data": {"lines": [{"sku": "CS-MASK-5", "line_no": 2, "category": "cosmetics", "quantity": 1, "amount_fen": 12900}], "store_id": "cd9685b3-472e-4821-83c7-cef38188e624", "member_id": "41692907-9851-4f11-9562-a347de165596", "return_id": "245221bb-580c-44c2-8499-3dca0e6c87ba", "amount_fen": 12900, "purchase_id": "d813f757-df78-4e4b-b8a5-956c5461432c", "returned_at": "2026-11-29T23:09:51.120811Z", "purchase_total_fen": 46200}, "time": "2026-11-29T23:09:51.164500Z", "type": "orders.purchase.returned", "source": "/huiyuan/orders", "subject": "41692907-9851-4f11-9562-a347de165596", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:51.039049+00	2026-11-29 23:09:51.183983+00	0	4
8	56369269-0393-47c1-afeb-64a5de75b3ac	orders.purchase.completed	orders.events	6f073200-aca5-4d87-9959-cbbab9a52978	{"id": "56369269-0393-47c1-afeb-64a5de75b3ac", "data": {"lines": [{"sku": "CS-LOTION", "line_no": 1, "category": "cosmetics", "quantity": 1, "amount_fen": 15800, "unit_price_fen": 15800}], "store_id": "2b43e13c-d251-4517-9a5b-12a7664e4f25", "member_id": "6f073200-aca5-4d87-9959-cbbab9a52978", "total_fen": 15800, "purchase_id": "ec19230a-b906-405c-817b-07c5b4686baf", "purchased_at": "2026-11-29T23:09:50.889976Z"}, "time": "2026-11-29T23:09:50.890527Z", "type": "orders.purchase.completed", "source": "/huiyuan/orders", "subject": "6f073200-aca5-4d87-9959-cbbab9a52978", "specversion": "1.0", "datacontenttype": "application/json"}	2026-11-29 23:09:50.791754+00	2026-11-29 23:09:50.962289+00	2	1
\.


--
-- Data for Name: stores; Type: TABLE DATA; Schema: orders; Owner: -
--

COPY orders.stores (id, name, api_key_hash, created_at) FROM stdin;
cd9685b3-472e-4821-83c7-cef38188e624	旗舰店 Flagship	181916bb2e4825a9c7a89f1e26ab4cd39e5bee8c9db3d17d37a49b0a407e3172	2026-11-29 23:09:38.929564+00
2b43e13c-d251-4517-9a5b-12a7664e4f25	徐汇店 Xuhui	328f015861d6f47108bc60450024401abe03ed2f35eb45c70d15578c4278f2b0	2026-11-29 23:09:43.511798+00
\.


--
-- Data for Name: purchases; Type: TABLE DATA; Schema: orders; Owner: -
--

COPY orders.purchases (id, store_id, member_id, total_fen, purchased_at, receipt_no, created_at) FROM stdin;
48d48151-29fb-4db7-bfb1-1d65e03655b1	cd9685b3-472e-4821-83c7-cef38188e624	051b17ee-577b-4609-b02b-e0d743fa7353	51600	2026-11-29 23:09:49.236675+00	A-0001	2026-11-29 23:09:49.236675+00
057e40e3-7fe1-4b72-9f95-4d777e7d3b2d	cd9685b3-472e-4821-83c7-cef38188e624	051b17ee-577b-4609-b02b-e0d743fa7353	79800	2026-11-29 23:09:49.78333+00	A-0002	2026-11-29 23:09:49.78333+00
d813f757-df78-4e4b-b8a5-956c5461432c	cd9685b3-472e-4821-83c7-cef38188e624	41692907-9851-4f11-9562-a347de165596	46200	2026-11-29 23:09:50.308039+00	A-0003	2026-11-29 23:09:50.308039+00
659f4fa3-bf3d-4b92-99a5-2d3d854ea96b	2b43e13c-d251-4517-9a5b-12a7664e4f25	d047911b-7b3b-4341-98e4-7e96f2025039	19900	2026-11-29 23:09:50.400733+00	B-0001	2026-11-29 23:09:50.400733+00
aa6e2891-41ed-4982-8ed3-db9b6b86dd45	2b43e13c-d251-4517-9a5b-12a7664e4f25	41692907-9851-4f11-9562-a347de165596	8800	2026-11-29 23:09:50.513822+00	B-0004	2026-11-29 23:09:50.513822+00
395e035e-038c-48d0-8941-5f2efe22a61a	2b43e13c-d251-4517-9a5b-12a7664e4f25	41692907-9851-4f11-9562-a347de165596	8800	2026-11-29 23:09:50.708031+00	B-0004	2026-11-29 23:09:50.708031+00
f5c7408f-fb76-49cd-bdf3-79f46df5ca9c	2b43e13c-d251-4517-9a5b-12a7664e4f25	f0cb0e4d-92b9-48c6-a569-ceba517123a2	9900	2026-01-14 01:30:00+00	B-0002	2026-11-29 23:09:50.889976+00
ec19230a-b906-405c-817b-07c5b4686baf	2b43e13c-d251-4517-9a5b-12a7664e4f25	6f073200-aca5-4d87-9959-cbbab9a52978	15800	2026-11-29 23:09:50.889976+00	B-0003	2026-11-29 23:09:50.889976+00
\.


--
-- Data for Name: purchase_lines; Type: TABLE DATA; Schema: orders; Owner: -
--

COPY orders.purchase_lines (purchase_id, line_no, sku, category, quantity, unit_price_fen, returned_quantity) FROM stdin;
48d48151-29fb-4db7-bfb1-1d65e03655b1	1	HP-FISHOIL-60	health	2	25800	0
057e40e3-7fe1-4b72-9f95-4d777e7d3b2d	1	CS-SERUM-30	cosmetics	2	39900	0
d813f757-df78-4e4b-b8a5-956c5461432c	1	HP-VITC-100	health	3	6800	0
659f4fa3-bf3d-4b92-99a5-2d3d854ea96b	1	HP-COQ10-30	health	1	19900	0
aa6e2891-41ed-4982-8ed3-db9b6b86dd45	1	HP-ZINC-60	health	1	8800	0
395e035e-038c-48d0-8941-5f2efe22a61a	1	HP-ZINC-60	health	1	8800	0
f5c7408f-fb76-49cd-bdf3-79f46df5ca9c	1	DG-TOOTH-2	daily	1	9900	0
ec19230a-b906-405c-817b-07c5b4686baf	1	CS-LOTION	cosmetics	1	15800	0
d813f757-df78-4e4b-b8a5-956c5461432c	2	CS-MASK-5	cosmetics	2	12900	1
\.


--
-- Data for Name: purchase_returns; Type: TABLE DATA; Schema: orders; Owner: -
--

COPY orders.purchase_returns (id, purchase_id, amount_fen, returned_at) FROM stdin;
245221bb-580c-44c2-8499-3dca0e6c87ba	d813f757-df78-4e4b-b8a5-956c5461432c	12900	2026-11-29 23:09:51.120811+00
\.


--
-- Data for Name: return_lines; Type: TABLE DATA; Schema: orders; Owner: -
--

COPY orders.return_lines (return_id, line_no, quantity, amount_fen) FROM stdin;
245221bb-580c-44c2-8499-3dca0e6c87ba	2	1	12900
\.


--
-- Name: dead_letters_id_seq; Type: SEQUENCE SET; Schema: analytics; Owner: -
--

SELECT pg_catalog.setval('analytics.dead_letters_id_seq', 1, false);


--
-- Name: outbox_seq_seq; Type: SEQUENCE SET; Schema: analytics; Owner: -
--

SELECT pg_catalog.setval('analytics.outbox_seq_seq', 1, false);


--
-- Name: members_card_serial_seq; Type: SEQUENCE SET; Schema: customer; Owner: -
--

SELECT pg_catalog.setval('customer.members_card_serial_seq', 6, true);


--
-- Name: outbox_seq_seq; Type: SEQUENCE SET; Schema: customer; Owner: -
--

SELECT pg_catalog.setval('customer.outbox_seq_seq', 6, true);


--
-- Name: dead_letters_id_seq; Type: SEQUENCE SET; Schema: loyalty; Owner: -
--

SELECT pg_catalog.setval('loyalty.dead_letters_id_seq', 1, false);


--
-- Name: ledger_entries_seq_seq; Type: SEQUENCE SET; Schema: loyalty; Owner: -
--

SELECT pg_catalog.setval('loyalty.ledger_entries_seq_seq', 10, true);


--
-- Name: outbox_seq_seq; Type: SEQUENCE SET; Schema: loyalty; Owner: -
--

SELECT pg_catalog.setval('loyalty.outbox_seq_seq', 11, true);


--
-- Name: dead_letters_id_seq; Type: SEQUENCE SET; Schema: messaging; Owner: -
--

SELECT pg_catalog.setval('messaging.dead_letters_id_seq', 1, false);


--
-- Name: outbox_seq_seq; Type: SEQUENCE SET; Schema: messaging; Owner: -
--

SELECT pg_catalog.setval('messaging.outbox_seq_seq', 30, true);


--
-- Name: dead_letters_id_seq; Type: SEQUENCE SET; Schema: orders; Owner: -
--

SELECT pg_catalog.setval('orders.dead_letters_id_seq', 1, false);


--
-- Name: outbox_seq_seq; Type: SEQUENCE SET; Schema: orders; Owner: -
--

SELECT pg_catalog.setval('orders.outbox_seq_seq', 9, true);


--
-- PostgreSQL database dump complete
--

\unrestrict XhPJvvHoLNiVSxRmxWONphuzavAKDNS9X1BwDFd9UqzyRrKbMemPBbgH7AQI7l7

