import type { GraphQLResolveInfo } from 'graphql';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** A gift a customer exchanged points for. */
export type Gift = {
  __typename?: 'Gift';
  cost: Scalars['Int']['output'];
  customerId: Scalars['ID']['output'];
  exchangedAt: Scalars['String']['output'];
  /** The catalog gift (GiftOffer.giftId). */
  giftId: Scalars['ID']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  status: GiftStatus;
  telegramMessageId?: Maybe<Scalars['ID']['output']>;
  /** The Telegram message telling the customer the gift is used. */
  telegramStatus: RewardMessageStatus;
  usedAt?: Maybe<Scalars['String']['output']>;
};

/** A page of gifts (Relay Cursor Connections Specification). */
export type GiftConnection = {
  __typename?: 'GiftConnection';
  edges: Array<GiftEdge>;
  pageInfo: PageInfo;
};

/** One Gift of a page and the cursor to page on from it. */
export type GiftEdge = {
  __typename?: 'GiftEdge';
  /** Pass it as `after` (or `before`) to page on from this item. */
  cursor: Scalars['String']['output'];
  node: Gift;
};

/** A gift in the catalog, bought with points. */
export type GiftOffer = {
  __typename?: 'GiftOffer';
  cost: Scalars['Int']['output'];
  giftId: Scalars['ID']['output'];
  name: Scalars['String']['output'];
};

export type GiftStatus =
  | 'OWNED'
  | 'USED';

/** A customer's mission (seed 003), moved on by the customer's paid orders; as the mission page shows it. */
export type Mission = {
  __typename?: 'Mission';
  completedAt?: Maybe<Scalars['String']['output']>;
  customerId: Scalars['ID']['output'];
  id: Scalars['ID']['output'];
  kind: MissionKind;
  /** Orders counted so far, at most target. */
  progress: Scalars['Int']['output'];
  /** Set once the mission is completed. */
  rewardId?: Maybe<Scalars['ID']['output']>;
  /** Points the reward credits to the wallet. */
  rewardPoints: Scalars['Int']['output'];
  status: MissionStatus;
  target: Scalars['Int']['output'];
  /** Notification's id for the mission's Telegram message; null until notification accepted it. */
  telegramMessageId?: Maybe<Scalars['ID']['output']>;
  telegramStatus: RewardMessageStatus;
  title: Scalars['String']['output'];
  updatedAt: Scalars['String']['output'];
};

/** A page of missions (Relay Cursor Connections Specification). */
export type MissionConnection = {
  __typename?: 'MissionConnection';
  edges: Array<MissionEdge>;
  pageInfo: PageInfo;
};

/** One Mission of a page and the cursor to page on from it. */
export type MissionEdge = {
  __typename?: 'MissionEdge';
  /** Pass it as `after` (or `before`) to page on from this item. */
  cursor: Scalars['String']['output'];
  node: Mission;
};

export type MissionKind =
  /** Order a pizza (any product of mario-pizzeria). */
  | 'FIRST_PIZZA'
  /** Place 3 paid orders. */
  | 'THREE_ORDERS';

export type MissionStatus =
  | 'COMPLETED'
  | 'IN_PROGRESS';

export type Mutation = {
  __typename?: 'Mutation';
  /** Customer only: debits the signed-in customer's wallet and gives them the gift. Errors: UNAUTHENTICATED, FORBIDDEN (not a customer), BAD_USER_INPUT, GIFT_NOT_FOUND, INSUFFICIENT_POINTS. */
  exchangeGift: Gift;
  /** The gift's customer only. Uses the gift and tells the customer on Telegram (queued when notification is unavailable). Errors: UNAUTHENTICATED, FORBIDDEN (not a customer, or another customer's gift), BAD_USER_INPUT, GIFT_NOT_FOUND, GIFT_ALREADY_USED. */
  useGift: Gift;
};


export type MutationExchangeGiftArgs = {
  giftId: Scalars['ID']['input'];
};


export type MutationUseGiftArgs = {
  id: Scalars['ID']['input'];
};

/** Where a page of a connection sits (Relay Cursor Connections Specification). Shared by every subgraph. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The last edge's cursor; null for an empty page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Items follow this page: paging forward, more than `first` were left; paging backward with `before`, items exist at or after `before`. */
  hasNextPage: Scalars['Boolean']['output'];
  /** Items precede this page: paging backward, more than `last` were left; paging forward with `after`, items exist at or before `after`. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The first edge's cursor; null for an empty page. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /** Any signed-in actor. Errors: UNAUTHENTICATED. */
  giftCatalog: Array<GiftOffer>;
  /**
   * Customer only (their own): the signed-in customer's gifts, newest first. Errors: UNAUTHENTICATED, FORBIDDEN (not a customer).
   * @deprecated Use myGiftsConnection: this list is cut at a fixed size.
   */
  myGifts: Array<Gift>;
  /** Customer only (their own): the signed-in customer's gifts, newest first. Errors: UNAUTHENTICATED, FORBIDDEN (not a customer). Page with first/after (forward) or last/before (backward): at most 100 a page, 20 when neither is given, not first and last together; a cursor is opaque and stays valid while new items arrive. Errors also: BAD_USER_INPUT (extensions.field first, last, after or before). */
  myGiftsConnection: GiftConnection;
  /**
   * Customer only (their own). The signed-in customer's mission page: missions with reward id and Telegram message status, built from rewards' MissionUpdated events only (eventually consistent). Errors: UNAUTHENTICATED, FORBIDDEN (not a customer).
   * @deprecated Use myMissionsConnection: this list is cut at a fixed size.
   */
  myMissions: Array<Mission>;
  /** Customer only (their own). The signed-in customer's missions by id, as myMissions shows them (rewards' read model, eventually consistent). Errors: UNAUTHENTICATED, FORBIDDEN (not a customer). Page with first/after (forward) or last/before (backward): at most 100 a page, 20 when neither is given, not first and last together; a cursor is opaque and stays valid while new items arrive. Errors also: BAD_USER_INPUT (extensions.field first, last, after or before). */
  myMissionsConnection: MissionConnection;
  /** Customer only (their own): the signed-in customer's points. Errors: UNAUTHENTICATED, FORBIDDEN (not a customer). */
  wallet: Wallet;
};


export type QueryMyGiftsConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryMyMissionsConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

export type RewardMessageStatus =
  /** No message due. */
  | 'NONE'
  /** Recorded in rewards; handed to notification as soon as it answers. */
  | 'QUEUED'
  /** Notification accepted it and is sending it. */
  | 'REQUESTED'
  /** Notification announced it sent (its message-sent event). */
  | 'SENT';

export type Wallet = {
  __typename?: 'Wallet';
  customerId: Scalars['ID']['output'];
  points: Scalars['Int']['output'];
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Gift: Gift;
  Mission: Mission;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Gift:
    ( { __typename: 'Gift' }
    & GraphQLRecursivePick<FederationTypes['Gift'], {"id":true}> );
  Mission:
    ( { __typename: 'Mission' }
    & GraphQLRecursivePick<FederationTypes['Mission'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Gift: ResolverTypeWrapper<Partial<Gift>>;
  Int: ResolverTypeWrapper<Partial<Scalars['Int']['output']>>;
  ID: ResolverTypeWrapper<Partial<Scalars['ID']['output']>>;
  String: ResolverTypeWrapper<Partial<Scalars['String']['output']>>;
  GiftConnection: ResolverTypeWrapper<{ edges: Array<ResolversTypes['GiftEdge']>; pageInfo: ResolversTypes['PageInfo'] }>;
  GiftEdge: ResolverTypeWrapper<{ cursor: string; node: ResolversTypes['Gift'] }>;
  GiftOffer: ResolverTypeWrapper<Partial<GiftOffer>>;
  GiftStatus: ResolverTypeWrapper<Partial<GiftStatus>>;
  Mission: ResolverTypeWrapper<Partial<Mission>>;
  MissionConnection: ResolverTypeWrapper<{ edges: Array<ResolversTypes['MissionEdge']>; pageInfo: ResolversTypes['PageInfo'] }>;
  MissionEdge: ResolverTypeWrapper<{ cursor: string; node: ResolversTypes['Mission'] }>;
  MissionKind: ResolverTypeWrapper<Partial<MissionKind>>;
  MissionStatus: ResolverTypeWrapper<Partial<MissionStatus>>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<Partial<PageInfo>>;
  Boolean: ResolverTypeWrapper<Partial<Scalars['Boolean']['output']>>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RewardMessageStatus: ResolverTypeWrapper<Partial<RewardMessageStatus>>;
  Wallet: ResolverTypeWrapper<Partial<Wallet>>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Gift: Partial<Gift | FederationReferenceTypes['Gift']>;
  Int: Partial<Scalars['Int']['output']>;
  ID: Partial<Scalars['ID']['output']>;
  String: Partial<Scalars['String']['output']>;
  GiftConnection: { edges: Array<ResolversTypes['GiftEdge']>; pageInfo: ResolversTypes['PageInfo'] };
  GiftEdge: { cursor: string; node: ResolversTypes['Gift'] };
  GiftOffer: Partial<GiftOffer>;
  Mission: Partial<Mission | FederationReferenceTypes['Mission']>;
  MissionConnection: { edges: Array<ResolversTypes['MissionEdge']>; pageInfo: ResolversTypes['PageInfo'] };
  MissionEdge: { cursor: string; node: ResolversTypes['Mission'] };
  Mutation: Record<PropertyKey, never>;
  PageInfo: Partial<PageInfo>;
  Boolean: Partial<Scalars['Boolean']['output']>;
  Query: Record<PropertyKey, never>;
  Wallet: Partial<Wallet>;
}>;

export type GiftResolvers<ContextType = any, ParentType extends ResolversParentTypes['Gift'] = ResolversParentTypes['Gift'], FederationReferenceType extends FederationReferenceTypes['Gift'] = FederationReferenceTypes['Gift']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Gift']> | FederationReferenceType, FederationReferenceType, ContextType>;
  cost?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  customerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  exchangedAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  giftId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['GiftStatus'], ParentType, ContextType>;
  telegramMessageId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  telegramStatus?: Resolver<ResolversTypes['RewardMessageStatus'], ParentType, ContextType>;
  usedAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type GiftConnectionResolvers<ContextType = any, ParentType extends ResolversParentTypes['GiftConnection'] = ResolversParentTypes['GiftConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['GiftEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type GiftEdgeResolvers<ContextType = any, ParentType extends ResolversParentTypes['GiftEdge'] = ResolversParentTypes['GiftEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Gift'], ParentType, ContextType>;
}>;

export type GiftOfferResolvers<ContextType = any, ParentType extends ResolversParentTypes['GiftOffer'] = ResolversParentTypes['GiftOffer']> = ResolversObject<{
  cost?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  giftId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type MissionResolvers<ContextType = any, ParentType extends ResolversParentTypes['Mission'] = ResolversParentTypes['Mission'], FederationReferenceType extends FederationReferenceTypes['Mission'] = FederationReferenceTypes['Mission']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Mission']> | FederationReferenceType, FederationReferenceType, ContextType>;
  completedAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  customerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['MissionKind'], ParentType, ContextType>;
  progress?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  rewardId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  rewardPoints?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['MissionStatus'], ParentType, ContextType>;
  target?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  telegramMessageId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  telegramStatus?: Resolver<ResolversTypes['RewardMessageStatus'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type MissionConnectionResolvers<ContextType = any, ParentType extends ResolversParentTypes['MissionConnection'] = ResolversParentTypes['MissionConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['MissionEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type MissionEdgeResolvers<ContextType = any, ParentType extends ResolversParentTypes['MissionEdge'] = ResolversParentTypes['MissionEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Mission'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = any, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  exchangeGift?: Resolver<ResolversTypes['Gift'], ParentType, ContextType, RequireFields<MutationExchangeGiftArgs, 'giftId'>>;
  useGift?: Resolver<ResolversTypes['Gift'], ParentType, ContextType, RequireFields<MutationUseGiftArgs, 'id'>>;
}>;

export type PageInfoResolvers<ContextType = any, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = any, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  giftCatalog?: Resolver<Array<ResolversTypes['GiftOffer']>, ParentType, ContextType>;
  myGifts?: Resolver<Array<ResolversTypes['Gift']>, ParentType, ContextType>;
  myGiftsConnection?: Resolver<ResolversTypes['GiftConnection'], ParentType, ContextType, Partial<QueryMyGiftsConnectionArgs>>;
  myMissions?: Resolver<Array<ResolversTypes['Mission']>, ParentType, ContextType>;
  myMissionsConnection?: Resolver<ResolversTypes['MissionConnection'], ParentType, ContextType, Partial<QueryMyMissionsConnectionArgs>>;
  wallet?: Resolver<ResolversTypes['Wallet'], ParentType, ContextType>;
}>;

export type WalletResolvers<ContextType = any, ParentType extends ResolversParentTypes['Wallet'] = ResolversParentTypes['Wallet']> = ResolversObject<{
  customerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  points?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = any> = ResolversObject<{
  Gift?: GiftResolvers<ContextType>;
  GiftConnection?: GiftConnectionResolvers<ContextType>;
  GiftEdge?: GiftEdgeResolvers<ContextType>;
  GiftOffer?: GiftOfferResolvers<ContextType>;
  Mission?: MissionResolvers<ContextType>;
  MissionConnection?: MissionConnectionResolvers<ContextType>;
  MissionEdge?: MissionEdgeResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Wallet?: WalletResolvers<ContextType>;
}>;

